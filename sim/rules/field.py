"""The attractiveness field B of Short et al. (2008): repeat and near-repeat victimisation.

    B(s, t + dt) = [(1 - eta) B(s) + eta / z * sum of B over the z neighbours of s]
                   * (1 - omega dt) + theta E(s)

where E(s) is the number of crimes at s during the step. On a hard-edged lattice z counts
only the neighbours that exist and are passable; blocked cells carry no B.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from polsim.rules import on_every_core
from polsim.rules.offender import neighbour


@njit(cache=True, inline="always")
def neighbour_mean(b, passable, r, c, periodic):
    """Mean of B over the passable neighbours of a cell (the cell's own B when it has none)."""
    rows, cols = b.shape
    total, z = 0.0, 0
    for k in range(4):
        nr, nc = neighbour(r, c, k, rows, cols, periodic)
        if nr >= 0 and passable[nr, nc]:
            total += b[nr, nc]
            z += 1
    return total / z if z > 0 else b[r, c]


def update_field(b, out, crime_r, crime_c, passable, eta, decay, theta, periodic) -> None:
    """Write the next B into ``out`` from ``b`` and this step's crimes, at cells (``crime_r``,
    ``crime_c``) (a cell listed once per crime there).

    A step has a handful of crimes, so E is counted from that list and added cell by cell
    after the pass over the city: a city-sized raster of counts, cleared and read every step,
    cost more than the pass itself. Every cell depends only on ``b`` at the start of the
    step, so the serial and the parallel loop give the same numbers; large lattices take the
    parallel one.
    """
    loop = _update_parallel if on_every_core(b.size) else _update_serial
    loop(b, out, passable, eta, decay, periodic)
    if len(crime_r):  # most steps of a small city have no crime
        cells, counts = np.unique(np.ravel_multi_index((crime_r, crime_c), b.shape),
                                  return_counts=True)
        _add_crimes(out, cells, counts.astype(np.float64), passable, theta)


@njit(cache=True, inline="always")
def _update_cell(b, out, passable, eta, decay, periodic, r, c):
    if not passable[r, c]:
        out[r, c] = 0.0
        return
    smooth = (1.0 - eta) * b[r, c] + eta * neighbour_mean(b, passable, r, c, periodic)
    out[r, c] = smooth * decay


@njit(cache=True, _nrt=False)
def _add_crimes(out, cells, counts, passable, theta):
    """``out += theta E`` at each cell (flat index) with ``E`` crimes: the same sum as the
    formula's ``smooth * decay + theta * E`` in one expression, to the bit.
    """
    cols = out.shape[1]
    for k in range(cells.shape[0]):
        r, c = cells[k] // cols, cells[k] % cols
        if passable[r, c]:
            out[r, c] = out[r, c] + theta * counts[k]


@njit(cache=True, parallel=True, _nrt=False)
def _update_parallel(b, out, passable, eta, decay, periodic):
    rows, cols = b.shape
    for r in prange(rows):
        for c in range(cols):
            _update_cell(b, out, passable, eta, decay, periodic, r, c)


@njit(cache=True, _nrt=False)
def _update_serial(b, out, passable, eta, decay, periodic):
    rows, cols = b.shape
    for r in range(rows):
        for c in range(cols):
            _update_cell(b, out, passable, eta, decay, periodic, r, c)


def decay_factor(omega_per_min: float, dt: float) -> float:
    """The factor (1 - omega dt) of one step, floored at zero."""
    return max(0.0, 1.0 - omega_per_min * dt)



