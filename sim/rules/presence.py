"""Presence rasters: who can see, deter or arrest in which cell, stamped once per step.

Offenders read these rasters instead of scanning for units, so the cost of a step grows
with agents, not agents times units.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def stamp_disks(raster, pos_r, pos_c, radius, weight, active):
    """Add ``weight[k]`` to every cell within ``radius[k]`` cells of each active agent ``k``."""
    rows, cols = raster.shape
    for k in range(pos_r.shape[0]):
        if not active[k] or weight[k] == 0.0 or radius[k] < 0:
            continue
        rad = radius[k]
        r, c = pos_r[k], pos_c[k]
        for rr in range(max(r - rad, 0), min(r + rad + 1, rows)):
            dr = rr - r
            for cc in range(max(c - rad, 0), min(c + rad + 1, cols)):
                dc = cc - c
                if dr * dr + dc * dc <= rad * rad:
                    raster[rr, cc] += weight[k]
