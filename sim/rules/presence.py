"""Presence rasters: who can see, deter or arrest in which cell, stamped once per step.

Offenders read these rasters instead of scanning for units, so the cost of a step grows
with agents, not agents times units.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.rules import on_every_core


@njit(cache=True)
def stamp_disks(raster, pos_r, pos_c, radius, weight, active):
    """Add ``weight[k]`` to every cell within ``radius[k]`` cells of each active agent ``k``."""
    for k in range(pos_r.shape[0]):
        if not active[k] or weight[k] == 0.0 or radius[k] < 0:
            continue
        _add_disk(raster, pos_r[k], pos_c[k], radius[k], weight[k])


@njit(cache=True, inline="always")
def _add_disk(raster, r, c, rad, weight):
    rows, cols = raster.shape
    for rr in range(max(r - rad, 0), min(r + rad + 1, rows)):
        dr = rr - r
        for cc in range(max(c - rad, 0), min(c + rad + 1, cols)):
            dc = cc - c
            if dr * dr + dc * dc <= rad * rad:
                raster[rr, cc] += weight


@njit(cache=True)
def move_disks(raster, was_r, was_c, was_on, pos_r, pos_c, radius, active):
    """Move the unit disks of ``stamp_disks`` from where they were stamped to where agents are.

    ``raster`` holds the disks stamped at (``was_r``, ``was_c``) for the agents ``was_on``;
    each agent that moved, came on or went off has its old disk taken away and its new one
    added. The rasters count agents (weight 1), so the counts are exactly
    those a fresh ``stamp_disks`` over a cleared raster would give.
    """
    for k in range(pos_r.shape[0]):
        on = active[k] and radius[k] >= 0
        was = was_on[k] and radius[k] >= 0
        if on == was and (not on or (pos_r[k] == was_r[k] and pos_c[k] == was_c[k])):
            continue
        if was:
            _add_disk(raster, was_r[k], was_c[k], radius[k], -1)
        if on:
            _add_disk(raster, pos_r[k], pos_c[k], radius[k], 1)


def deterrence_raster(out, police, grid_workers, volunteers, camera, w_police, w_grid, w_volunteer,
                      w_camera) -> None:
    """``out = w_police * police + w_grid * grid_workers + w_volunteer * volunteers + w_camera *
    camera``, in one pass over the city (four NumPy passes would read it four times)."""
    loop = _deterrence_parallel if on_every_core(out.size) else _deterrence_serial
    loop(out, police, grid_workers, volunteers, camera, w_police, w_grid, w_volunteer, w_camera)


@njit(cache=True, inline="always")
def _deterrence_row(out, police, grid_workers, volunteers, camera, w_police, w_grid, w_volunteer,
                    w_camera, r):
    for c in range(out.shape[1]):
        d = police[r, c] * w_police
        d += w_grid * grid_workers[r, c]
        d += w_volunteer * volunteers[r, c]
        if camera[r, c]:
            d += w_camera
        out[r, c] = d


@njit(cache=True, parallel=True, _nrt=False)
def _deterrence_parallel(out, police, grid_workers, volunteers, camera, w_police, w_grid,
                         w_volunteer, w_camera):
    for r in prange(out.shape[0]):
        _deterrence_row(out, police, grid_workers, volunteers, camera, w_police, w_grid,
                        w_volunteer, w_camera, r)


@njit(cache=True, _nrt=False)
def _deterrence_serial(out, police, grid_workers, volunteers, camera, w_police, w_grid,
                       w_volunteer, w_camera):
    for r in range(out.shape[0]):
        _deterrence_row(out, police, grid_workers, volunteers, camera, w_police, w_grid,
                        w_volunteer, w_camera, r)


def sum_where_positive(values, mask) -> float:
    """Sum of ``values`` over the cells where ``mask > 0``: row sums, added up in row order.

    Row sums keep the rounding error of a sum over ~1e6 cells near that of NumPy's pairwise
    sum, without building the boolean mask and the gathered copy it needs; the rows may be
    summed on every core, and adding them up in order gives the same number either way.
    """
    rows = np.empty(values.shape[0])
    loop = _row_sums_parallel if on_every_core(values.size) else _row_sums_serial
    loop(values, mask, rows)
    return _in_order(rows)


@njit(cache=True, inline="always")
def _row_sum(values, mask, r):
    total = 0.0
    for c in range(values.shape[1]):
        if mask[r, c] > 0:
            total += values[r, c]
    return total


@njit(cache=True, parallel=True, _nrt=False)
def _row_sums_parallel(values, mask, out):
    for r in prange(values.shape[0]):
        out[r] = _row_sum(values, mask, r)


@njit(cache=True, _nrt=False)
def _row_sums_serial(values, mask, out):
    for r in range(values.shape[0]):
        out[r] = _row_sum(values, mask, r)


@njit(cache=True, _nrt=False)
def _in_order(rows):
    total = 0.0
    for x in rows:
        total += x
    return total
