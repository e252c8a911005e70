"""Presence rasters: who can see, deter or arrest in which cell, stamped once per step.

Offenders read these rasters instead of scanning for units, so the cost of a step grows
with agents, not agents times units.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from polsim.rules import on_every_core
from polsim.rules.prefetch import prefetch


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
    rad = min(rad, rows + cols)  # as wide as the city: the same cells, and rad * rad cannot overflow
    for rr in range(max(r - rad, 0), min(r + rad + 1, rows)):
        dr = rr - r
        for cc in range(max(c - rad, 0), min(c + rad + 1, cols)):
            dc = cc - c
            if dr * dr + dc * dc <= rad * rad:
                raster[rr, cc] += weight


@njit(cache=True, _nrt=False)
def move_disks(planes, was_r, was_c, was_on, pos_r, pos_c, radius, active):
    """Move the disks of ``stamp_disks`` from where they were stamped to where agents are.

    ``planes[p]`` holds, for every agent ``k`` that ``was_on``, a disk of ``radius[k, p]``
    cells (none where it is negative) at (``was_r[k]``, ``was_c[k]``). Each agent that moved,
    came on or went off has its old disks taken away and its new ones added; one that took
    a single step along a row or column only has the cells at the trailing and leading edge
    of each disk changed. The rasters count agents (weight 1), so the counts are exactly
    those a fresh ``stamp_disks`` over cleared planes would give. ``was_r``, ``was_c`` and
    ``was_on`` are then set to the agents' current positions and ``active``.

    A radius is cut to ``rows + cols`` cells, farther than any two cells of the city are apart:
    the disk holds the same cells, and a radius of 1e12 m costs no more than the city.
    """
    n = pos_r.shape[0]
    reach = planes.shape[1] + planes.shape[2]
    for k in range(n):
        if k + DISKS_AHEAD < n:
            _prefetch_disks(planes, radius, pos_r, pos_c, k + DISKS_AHEAD)
        on, was = active[k], was_on[k]
        old_r, old_c = was_r[k], was_c[k]
        was_r[k], was_c[k], was_on[k] = pos_r[k], pos_c[k], on
        dr, dc = pos_r[k] - old_r, pos_c[k] - old_c
        if on == was and (not on or (dr == 0 and dc == 0)):
            continue
        one_step = on and was and abs(dr) + abs(dc) == 1
        for p in range(planes.shape[0]):
            rad = min(radius[k, p], reach)
            if rad < 0:
                continue
            if one_step:
                _shift_disk(planes[p], old_r, old_c, dr, dc, rad)
                continue
            if was:
                _add_disk(planes[p], old_r, old_c, rad, -1)
            if on:
                _add_disk(planes[p], pos_r[k], pos_c[k], rad, 1)


DISKS_AHEAD = 8
"""Agents ahead whose disks ``move_disks`` asks the cache for. Between two steps the rest of
the step (offenders, field) pushes the planes out of the cache, and guardians in random
grids hit a new line each."""


@njit(cache=True, inline="always")
def _prefetch_disks(planes, radius, pos_r, pos_c, k):
    """Ask for the lines of agent ``k``'s disks around where it stands (a hint only)."""
    rows, cols = planes.shape[1], planes.shape[2]
    r, c = pos_r[k], min(max(pos_c[k], 0), cols - 1)
    for p in range(planes.shape[0]):
        rad = min(radius[k, p], rows + cols)
        if rad < 0:
            continue
        for rr in range(max(r - rad, 0), min(r + rad + 1, rows)):
            prefetch(planes[p], rr, c)


@njit(cache=True, inline="always")
def _shift_disk(raster, r, c, dr, dc, rad):
    """Move the disk at (r, c) one cell by (dr, dc): per line across the move, the cell at its
    trailing edge leaves it and the cell beyond its leading edge joins.
    """
    for d in range(-rad, rad + 1):
        half = rad
        while d * d + half * half > rad * rad:
            half -= 1
        if dc != 0:  # a step along the row: line r + d, edges at columns c -/+ half
            out_r, out_c, in_r, in_c = r + d, c - dc * half, r + d, c + dc * (half + 1)
        else:  # a step along the column: column c + d, edges at rows r -/+ half
            out_r, out_c, in_r, in_c = r - dr * half, c + d, r + dr * (half + 1), c + d
        _add_cell(raster, out_r, out_c, -1)
        _add_cell(raster, in_r, in_c, 1)


@njit(cache=True, inline="always")
def _add_cell(raster, r, c, weight):
    """Add ``weight`` at (r, c) if the cell is on the raster (a disk is cut at the city's edge)."""
    if 0 <= r < raster.shape[0] and 0 <= c < raster.shape[1]:
        raster[r, c] += weight


def deterrence_raster(out, police, grid_workers, volunteers, camera, w_police, w_grid, w_volunteer,
                      w_camera) -> None:
    """``out = w_police * police + w_grid * grid_workers + w_volunteer * volunteers + w_camera *
    camera``, in one pass over the city (four NumPy passes would read it four times).
    """
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
            total += float(values[r, c])  # float64 sums in plain Python too (NEP 50 keeps float32)
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
