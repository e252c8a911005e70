"""How police units and guardians move on the lattice.

A ground unit follows its path (a list of cells, from :mod:`polsim.rules.routing`), spending
each step ``rate * dt`` cell lengths of movement credit on the path's moves at the cost the
travel rule gives them (:func:`polsim.rules.travel.edge_cost`); a flying unit flies straight,
a diagonal cell costing sqrt 2. So a unit never covers more than its credit, the minute within
the step at which it reaches its target is known exactly, and a trip takes exactly the time
the dispatch centre's search said (at the traffic of the hour). Guardians step at random
within their own grid.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from polsim.rules.travel import FLY, SQRT2, WALK, edge_cost


class UnitMoveArgs(NamedTuple):
    """The arguments of :func:`unit_move` for one step.

    Per unit: position, target, credit, whether it moves, the arrival fraction it reports, its
    travel ``mode`` (``DRIVE``, ``WALK``, ``FLY``), its ``rate`` this step (cell lengths a
    minute: speed x traffic factor) and its path (``path[j, :path_len[j]]`` flat cells, the
    unit at ``path[j, path_at[j]]``). Per city: the slowness rasters of driving and walking
    (raveled), the number of columns, and the step's length.
    """

    r: np.ndarray
    c: np.ndarray
    tgt_r: np.ndarray
    tgt_c: np.ndarray
    credit: np.ndarray
    moving: np.ndarray
    arrive_frac: np.ndarray
    mode: np.ndarray
    rate: np.ndarray
    path: np.ndarray
    path_len: np.ndarray
    path_at: np.ndarray
    w_drive: np.ndarray
    w_walk: np.ndarray
    cols: int
    dt: float


class GuardianMoveArgs(NamedTuple):
    """The arguments of :func:`guardian_move` for one step: positions, each guardian's grid,
    the city's grid labels and passable cells, and one uniform draw per guardian.
    """

    r: np.ndarray
    c: np.ndarray
    grid: np.ndarray
    grid_id: np.ndarray
    passable: np.ndarray
    draws: np.ndarray


@njit(cache=True, inline="always")
def unit_move(j, a):
    """Move unit ``j`` along its path, or straight if it flies, for one step (``a``:
    :class:`UnitMoveArgs`).

    Writes ``a.arrive_frac[j]``: the fraction of the step at which it reached the target, or
    -1 when it did not arrive this step (or had nowhere to go).
    """
    a.arrive_frac[j] = -1.0
    if not a.moving[j]:
        return
    budget = a.rate[j] * a.dt
    cr = a.credit[j] + budget
    if a.mode[j] == FLY:
        cr, arrived = _fly(j, a, cr)
    else:
        cr, arrived = _follow_path(j, a, cr)
    if arrived:
        frac = 1.0 - cr / budget if budget > 0 else 0.0
        a.arrive_frac[j] = min(max(frac, 0.0), 1.0)
        a.moving[j] = False
        cr = 0.0
    a.credit[j] = cr


@njit(cache=True, inline="always")
def _follow_path(j, a, cr):
    """Spend credit ``cr`` on the moves of unit ``j``'s path; the credit left, and whether the
    unit stands at the path's end.
    """
    w = a.w_walk if a.mode[j] == WALK else a.w_drive
    at, last = a.path_at[j], a.path_len[j] - 1
    while at < last:
        cost = edge_cost(w, a.path[j, at], a.path[j, at + 1], a.cols)
        if cr < cost:
            break
        cr -= cost
        at += 1
    a.path_at[j] = at
    here = a.path[j, at]
    a.r[j], a.c[j] = here // a.cols, here % a.cols
    return cr, at >= last


@njit(cache=True, inline="always")
def _fly(j, a, cr):
    """Spend credit ``cr`` flying unit ``j`` straight at its target; the credit left, and
    whether it is there.
    """
    r, c = a.r[j], a.c[j]
    tr, tc = a.tgt_r[j], a.tgt_c[j]
    while True:
        dr, dc = tr - r, tc - c
        if dr == 0 and dc == 0:
            break
        step = SQRT2 if dr != 0 and dc != 0 else 1.0
        if cr < step:
            break
        cr -= step
        r += 0 if dr == 0 else (1 if dr > 0 else -1)
        c += 0 if dc == 0 else (1 if dc > 0 else -1)
    a.r[j], a.c[j] = r, c
    return cr, r == tr and c == tc


@njit(cache=True, inline="always")
def guardian_move(g, a):
    """Guardian ``g`` stays or steps to a neighbour, uniformly, never leaving its grid
    (``a``: :class:`GuardianMoveArgs`).
    """
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
    backend's entry: Numba types a plain tuple faster than a named one).
    """
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
