"""Burning projected geometries onto the lattice with rasterio (GDAL's rasteriser).

Areas take the cells whose centre they cover; lines take either every cell they touch
(``all_touched``: a 4-connected band, what a river must be so that no diagonal step slips
through it) or the cells of GDAL's line rasteriser (an 8-connected line, enough for a road).
Where geometries overlap, the one burnt last wins: callers sort them by priority.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from polsim.cities.geo import Geo


def _transform(geo: Geo):
    from affine import Affine

    return Affine(geo.cell_m, 0.0, geo.west, 0.0, -geo.cell_m, geo.north)


def burn(geo: Geo, geoms: Sequence, values: Sequence[float] | float = 1, *, lines: bool = False,
         dtype: str = "float32") -> np.ndarray:
    """A rows x cols raster of ``values`` burnt at ``geoms`` (0 elsewhere; the last one burnt wins).

    ``lines``: every cell a geometry touches (``all_touched``); otherwise the cells whose
    centre an area covers and the cells of GDAL's line rasteriser for a line.
    """
    from rasterio.features import rasterize

    shape = (geo.rows, geo.cols)
    if len(geoms) == 0:
        return np.zeros(shape, dtype)
    vals = np.broadcast_to(np.asarray(values, float), (len(geoms),))
    return rasterize(list(zip(geoms, vals.tolist(), strict=True)), out_shape=shape, fill=0,
                     transform=_transform(geo), all_touched=lines, dtype=dtype)


def burn_by_priority(geo: Geo, geoms: Sequence, priority: Sequence[int], *, lines: bool = False) -> np.ndarray:
    """The highest ``priority`` (>= 1) among the geometries at each cell; 0 where none is."""
    order = np.argsort(np.asarray(priority), kind="stable")
    return burn(geo, [geoms[i] for i in order], np.asarray(priority)[order], lines=lines,
                dtype="int32")


def area_in_cells(geo: Geo, geoms: Sequence, values: Sequence[float]) -> np.ndarray:
    """Sum over areas of value x the area's square metres in each cell, exactly.

    An area inside one cell adds its whole area there; a larger one is cut by the boxes of
    the cells its bounds cover (shapely's vectorised intersection), so a building that
    straddles a cell edge is shared by its area in each.
    """
    import shapely

    out = np.zeros(geo.rows * geo.cols)
    if len(geoms) == 0:
        return out.reshape(geo.rows, geo.cols)
    geoms = np.asarray(geoms, dtype=object)
    values = np.asarray(values, float)
    x0, y0, x1, y1 = shapely.bounds(geoms).T
    c0, c1 = np.floor((x0 - geo.west) / geo.cell_m), np.floor((x1 - geo.west) / geo.cell_m)
    r0, r1 = np.floor((geo.north - y1) / geo.cell_m), np.floor((geo.north - y0) / geo.cell_m)
    on = (c1 >= 0) & (c0 < geo.cols) & (r1 >= 0) & (r0 < geo.rows)
    single = on & (c0 == c1) & (r0 == r1)
    flat = (r0[single] * geo.cols + c0[single]).astype(np.int64)
    np.add.at(out, flat, shapely.area(geoms[single]) * values[single])
    c0, c1 = np.clip(c0, 0, geo.cols - 1).astype(np.int64), np.clip(c1, 0, geo.cols - 1).astype(np.int64)
    r0, r1 = np.clip(r0, 0, geo.rows - 1).astype(np.int64), np.clip(r1, 0, geo.rows - 1).astype(np.int64)
    many = np.flatnonzero(on & ~single)
    if len(many):
        w, h = c1[many] - c0[many] + 1, r1[many] - r0[many] + 1
        k = np.repeat(many, w * h)
        step = np.arange(len(k)) - np.repeat(np.cumsum(w * h) - w * h, w * h)
        r = r0[k] + step // np.repeat(w, w * h)
        c = c0[k] + step % np.repeat(w, w * h)
        left, top = geo.west + c * geo.cell_m, geo.north - r * geo.cell_m
        boxes = shapely.box(left, top - geo.cell_m, left + geo.cell_m, top)
        np.add.at(out, r * geo.cols + c, shapely.area(shapely.intersection(geoms[k], boxes)) * values[k])
    return out.reshape(geo.rows, geo.cols)


def count_points(geo: Geo, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """How many points (or how much weight) fall in each cell; points off the lattice are dropped."""
    r, c = geo.cells_of_xy(x, y)
    on = r >= 0
    flat = r[on] * geo.cols + c[on]
    w = None if weights is None else np.asarray(weights, float)[on]
    return np.bincount(flat, w, minlength=geo.rows * geo.cols).reshape(geo.rows, geo.cols)
