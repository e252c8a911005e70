"""The sea, from coastlines: OSM maps it by its edge only, with the water to the right.

Inside the imported area the coastline lines, closed by the area's outline, cut it into
faces; a face is sea when the points just to the right of its coastline edges outnumber
those just to the left. A coastline never ends (it rings a continent or an island), so an
end inside the area is where the extract cut it, at a node whose neighbour lies outside:
it is drawn on to the nearest point of the outline. Faces the coastlines do not close
stay land.
"""

from __future__ import annotations

import numpy as np

PAST_M = 10.0
"""How far past the outline a cut coastline is drawn, so that it crosses the outline cleanly."""

SIDE_M = 1.0
"""How far to either side of a coastline edge its water and land test points stand."""


def sea_polygons(coastlines: list, outline) -> list:
    """The faces of ``outline`` (a projected polygon) that lie on the water side of
    ``coastlines`` (projected shapely lines).
    """
    import shapely

    lines = [_extended(line, outline) for line in coastlines if shapely.intersects(line, outline)]
    if not lines:
        return []
    # the lines cross the ring (ends inside were drawn past it), so noding finds true crossings
    noded = shapely.union_all([*lines, outline.exterior])
    faces = [f for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
             if outline.contains(f.representative_point())]
    water, land = _side_points(lines)
    out = []
    for face in faces:
        wet = shapely.contains_xy(face, water[:, 0], water[:, 1]).sum()
        dry = shapely.contains_xy(face, land[:, 0], land[:, 1]).sum()
        if wet > dry:
            out.append(face)
    return out


def _extended(line, outline):
    """``line`` with each end inside the outline drawn on past the nearest point of its edge."""
    import shapely

    coords = [tuple(xy) for xy in line.coords]
    ring = outline.exterior
    for end in (0, -1):
        p = shapely.Point(coords[end])
        if not outline.contains(p):
            continue
        q = ring.interpolate(ring.project(p))
        d = np.array([q.x - p.x, q.y - p.y])
        gap = float(np.hypot(*d))
        step = d / gap if gap > 0 else np.array([0.0, 1.0])
        beyond = tuple(np.array(coords[end]) + step * (gap + PAST_M))
        if end == 0:
            coords.insert(0, beyond)
        else:
            coords.append(beyond)
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
