"""The attractiveness field B of Short et al. (2008): repeat and near-repeat victimisation.

    B(s, t + dt) = [(1 - eta) B(s) + eta / z * sum of B over the z neighbours of s]
                   * (1 - omega dt) + theta E(s)

where E(s) is the number of crimes at s during the step. On a hard-edged lattice z counts
only the neighbours that exist and are passable; blocked cells carry no B.
"""

from __future__ import annotations

from numba import njit, prange

from sim.rules import on_every_core
from sim.rules.offender import neighbour


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


def update_field(b, out, events, passable, eta, decay, theta, periodic) -> None:
    """Write the next B into ``out`` from ``b`` and this step's crime counts ``events``.

    Every cell depends only on ``b`` at the start of the step, so the serial and the parallel
    loop give the same numbers; large lattices take the parallel one.
    """
    loop = _update_parallel if on_every_core(b.size) else _update_serial
    loop(b, out, events, passable, eta, decay, theta, periodic)


@njit(cache=True, inline="always")
def _update_cell(b, out, events, passable, eta, decay, theta, periodic, r, c):
    if not passable[r, c]:
        out[r, c] = 0.0
        return
    smooth = (1.0 - eta) * b[r, c] + eta * neighbour_mean(b, passable, r, c, periodic)
    out[r, c] = smooth * decay + theta * events[r, c]


@njit(cache=True, parallel=True, _nrt=False)
def _update_parallel(b, out, events, passable, eta, decay, theta, periodic):
    rows, cols = b.shape
    for r in prange(rows):
        for c in range(cols):
            _update_cell(b, out, events, passable, eta, decay, theta, periodic, r, c)


@njit(cache=True, _nrt=False)
def _update_serial(b, out, events, passable, eta, decay, theta, periodic):
    rows, cols = b.shape
    for r in range(rows):
        for c in range(cols):
            _update_cell(b, out, events, passable, eta, decay, theta, periodic, r, c)


def decay_factor(omega_per_min: float, dt: float) -> float:
    """The factor (1 - omega dt) of one step, floored at zero."""
    return max(0.0, 1.0 - omega_per_min * dt)



