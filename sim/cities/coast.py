"""The sea, from coastlines: OSM maps it by its edge only, with the water to the right.

Inside the imported area the coastline lines, closed by the area's outline, cut it into
faces; a face is sea when the points just to the right of its coastline edges outnumber
those just to the left. A coastline that stops short of the outline (the extract was cut
before it) is drawn on to the outline when it ends within ``SNAP_M`` of it; otherwise its
faces do not close and no sea is made from it (the land stays land).
"""

from __future__ import annotations

import numpy as np

SNAP_M = 50.0
"""How far from the area's outline a cut coastline may end and still be drawn on to it."""

SIDE_M = 1.0
"""How far to either side of a coastline edge its water and land test points stand."""


def sea_polygons(coastlines: list, outline) -> list:
    """The faces of ``outline`` (a projected polygon) that lie on the water side of
    ``coastlines`` (projected shapely lines)."""
    import shapely

    inside = [g for g in shapely.intersection(np.asarray(coastlines, dtype=object), outline)
              if not g.is_empty]
    lines = [_snapped(part, outline) for g in inside for part in getattr(g, "geoms", [g])
             if part.geom_type == "LineString"]
    if not lines:
        return []
    noded = shapely.union_all([*lines, outline.exterior])
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    water, land = _side_points(lines)
    out = []
    for face in faces:
        wet = shapely.contains_xy(face, water[:, 0], water[:, 1]).sum()
        dry = shapely.contains_xy(face, land[:, 0], land[:, 1]).sum()
        if wet > dry:
            out.append(face)
    return out


def _snapped(line, outline):
    """``line`` with each end that stops within ``SNAP_M`` of the outline drawn on to it."""
    import shapely

    coords = list(line.coords)
    ring = outline.exterior
    for end in (0, -1):
        p = shapely.Point(coords[end])
        gap = ring.distance(p)
        if 0 < gap <= SNAP_M:
            q = ring.interpolate(ring.project(p))
            if end == 0:
                coords.insert(0, (q.x, q.y))
            else:
                coords.append((q.x, q.y))
    return shapely.LineString(coords)


def _side_points(lines) -> tuple[np.ndarray, np.ndarray]:
    """Points ``SIDE_M`` to the right (water) and left (land) of every edge's midpoint."""
    water, land = [], []
    for line in lines:
        xy = np.asarray(line.coords)
        d = np.diff(xy, axis=0)
        length = np.hypot(d[:, 0], d[:, 1])
        keep = length > 0
        mid = (xy[:-1] + xy[1:])[keep] / 2.0
        right = np.column_stack([d[keep, 1], -d[keep, 0]]) / length[keep, None] * SIDE_M
        water.append(mid + right)
        land.append(mid - right)
    return np.concatenate(water), np.concatenate(land)
