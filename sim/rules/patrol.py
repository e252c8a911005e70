"""Where an idle unit patrols next: a uniformly drawn cell of its patrol area."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def draw_cells(cells, start, end, area, u):
    """One cell of each area ``area[k]``, drawn uniformly with ``u[k]``.

    Area ``a`` holds ``cells[start[a]:end[a]]``; ``u[k] * size`` truncated picks the cell, so
    a uniform ``u`` gives every cell of the area the same chance. (An empty area gives the
    cell before it: callers that can meet one check first.)
    """
    out = np.empty(area.shape[0], np.int64)
    for k in range(area.shape[0]):
        lo = start[area[k]]
        size = end[area[k]] - lo
        out[k] = cells[lo + min(np.int64(u[k] * size), size - 1)]
    return out
