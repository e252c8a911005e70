"""How police units and guardians move on the lattice.

A unit banks movement credit each step (its speed in cells per minute times the step,
slowed by traffic and the road it stands on: :mod:`polsim.rules.travel`) and spends it one
cell at a time toward its target: ground units along the streets (one axis at a time, the
longer first), flying units straight (a diagonal cell costs sqrt 2). So a unit never covers
more than its credit, and the minute within the step at which it reaches its target is
known exactly. Guardians step at random within their own grid.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from polsim.rules.travel import SQRT2, step_budget


class UnitMoveArgs(NamedTuple):
    """The arguments of :func:`unit_move` for one step: the unit arrays (one row per unit) and
    the step's road raster, congestion factor and length."""

    r: np.ndarray
    c: np.ndarray
    tgt_r: np.ndarray
    tgt_c: np.ndarray
    credit: np.ndarray
    moving: np.ndarray
    arrive_frac: np.ndarray
    speed: np.ndarray
    sensitivity: np.ndarray
    flies: np.ndarray
    road: np.ndarray
    congestion: float
    dt: float


class GuardianMoveArgs(NamedTuple):
    """The arguments of :func:`guardian_move` for one step: positions, each guardian's grid,
    the city's grid labels and passable cells, and one uniform draw per guardian."""

    r: np.ndarray
    c: np.ndarray
    grid: np.ndarray
    grid_id: np.ndarray
    passable: np.ndarray
    draws: np.ndarray


@njit(cache=True, inline="always")
def unit_move(j, a):
    """Move unit ``j`` toward its target for one step (``a``: :class:`UnitMoveArgs`).

    Writes ``a.arrive_frac[j]``: the fraction of the step at which it reached the target, or
    -1 when it did not arrive this step (or had nowhere to go).
    """
    a.arrive_frac[j] = -1.0
    if not a.moving[j]:
        return
    r, c = a.r[j], a.c[j]
    flies = a.flies[j]
    road_factor = 1.0 if flies else a.road[r, c]
    budget = step_budget(a.speed[j], a.congestion, a.sensitivity[j], road_factor, a.dt)
    cr = a.credit[j] + budget
    tr, tc = a.tgt_r[j], a.tgt_c[j]
    while True:
        dr, dc = tr - r, tc - c
        if dr == 0 and dc == 0:
            frac = 1.0 - cr / budget if budget > 0 else 0.0
            a.arrive_frac[j] = min(max(frac, 0.0), 1.0)
            a.moving[j] = False
            cr = 0.0
            break
        if flies and dr != 0 and dc != 0:
            if cr < SQRT2:
                break
            cr -= SQRT2
            r += 1 if dr > 0 else -1
            c += 1 if dc > 0 else -1
        else:
            if cr < 1.0:
                break
            cr -= 1.0
            if abs(dr) >= abs(dc):
                r += 1 if dr > 0 else -1
            else:
                c += 1 if dc > 0 else -1
    a.r[j], a.c[j] = r, c
    a.credit[j] = cr


@njit(cache=True, inline="always")
def guardian_move(g, a):
    """Guardian ``g`` stays or steps to a neighbour, uniformly, never leaving its grid
    (``a``: :class:`GuardianMoveArgs`)."""
    k = int(a.draws[g] * 5.0)
    r, c = a.r[g], a.c[g]
    if k == 1:
        r -= 1
    elif k == 2:
        r += 1
    elif k == 3:
        c -= 1
    elif k >= 4:
        c += 1
    rows, cols = a.grid_id.shape
    if 0 <= r < rows and 0 <= c < cols and a.grid_id[r, c] == a.grid[g] and a.passable[r, c]:
        a.r[g], a.c[g] = r, c


@njit(cache=True)
def unit_row(j, fields):
    """:func:`unit_move` of unit ``j`` from ``tuple(args)`` of a :class:`UnitMoveArgs` (the Mesa
    backend's entry: Numba types a plain tuple faster than a named one)."""
    unit_move(j, UnitMoveArgs(*fields))


@njit(cache=True)
def guardian_row(g, fields):
    """:func:`guardian_move` of guardian ``g`` from ``tuple(args)`` of a :class:`GuardianMoveArgs`."""
    guardian_move(g, GuardianMoveArgs(*fields))


# The loops of the numba backend: the rules inlined, no reference counting (as in
# ``sim/rules/offender.py``, where the reasons are given).


@njit(cache=True, _nrt=False)
def units_loop(n, args):
    """``unit_move`` for every unit."""
    for j in range(n):
        unit_move(j, args)


@njit(cache=True, _nrt=False)
def guardians_loop(n, args):
    """``guardian_move`` for every guardian."""
    for g in range(n):
        guardian_move(g, args)
