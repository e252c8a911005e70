"""Burning projected geometries onto the lattice with rasterio (GDAL's rasteriser).

Areas take the cells whose centre they cover; lines take either every cell they touch
(``all_touched``: a 4-connected band, what a river must be so that no diagonal step slips
through it) or the cells of GDAL's line rasteriser (an 8-connected line, enough for a road).
Where geometries overlap, the one burnt last wins: callers sort them by priority.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from polsim.geo import Geo


def _transform(geo: Geo, scale: int = 1):
    from affine import Affine

    size = geo.cell_m / scale
    return Affine(size, 0.0, geo.west, 0.0, -size, geo.north)


def burn(geo: Geo, geoms: Sequence, values: Sequence[float] | float = 1, *, lines: bool = False,
         dtype: str = "float32", add: bool = False, scale: int = 1) -> np.ndarray:
    """A (rows*scale) x (cols*scale) raster of ``values`` burnt at ``geoms`` (0 elsewhere).

    ``lines``: every cell a geometry touches (``all_touched``); otherwise the cells whose
    centre an area covers and the cells of GDAL's line rasteriser for a line.
    ``add``: overlapping values add up instead of the last replacing the others.
    ``scale``: sub-cells per cell side (for area shares within a cell).
    """
    from rasterio.features import MergeAlg, rasterize

    shape = (geo.rows * scale, geo.cols * scale)
    if len(geoms) == 0:
        return np.zeros(shape, dtype)
    vals = np.broadcast_to(np.asarray(values, float), (len(geoms),))
    return rasterize(list(zip(geoms, vals.tolist(), strict=True)), out_shape=shape, fill=0,
                     transform=_transform(geo, scale), all_touched=lines, dtype=dtype,
                     merge_alg=MergeAlg.add if add else MergeAlg.replace)


def burn_by_priority(geo: Geo, geoms: Sequence, priority: Sequence[int], *, lines: bool = False) -> np.ndarray:
    """The highest ``priority`` (>= 1) among the geometries at each cell; 0 where none is."""
    order = np.argsort(np.asarray(priority), kind="stable")
    return burn(geo, [geoms[i] for i in order], np.asarray(priority)[order], lines=lines,
                dtype="int32")


def area_share_sum(geo: Geo, geoms: Sequence, values: Sequence[float], scale: int = 4) -> np.ndarray:
    """Sum over geometries of value x the geometry's area in each cell (square metres x value),
    measured on ``scale`` x ``scale`` sub-cells of each cell."""
    fine = burn(geo, geoms, values, dtype="float32", add=True, scale=scale)
    sub_m2 = (geo.cell_m / scale) ** 2
    return fine.reshape(geo.rows, scale, geo.cols, scale).sum(axis=(1, 3), dtype=np.float64) * sub_m2


def count_points(geo: Geo, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """How many points (or how much weight) fall in each cell; points off the lattice are dropped."""
    r, c = geo.cells_of_xy(x, y)
    on = r >= 0
    flat = r[on] * geo.cols + c[on]
    w = None if weights is None else np.asarray(weights, float)[on]
    return np.bincount(flat, w, minlength=geo.rows * geo.cols).reshape(geo.rows, geo.cols)
