"""An offender's step: arrest while fleeing, the crime draw, the walk.

Each rule is a Numba function on plain numbers and arrays. ``offender_step`` acts on row
``i`` of the offender arrays only, reading the shared rasters as they were at the start
of the step, so the order in which offenders act cannot change the outcome. Both backends
call it: the Mesa backend from ``Offender.step``, the Numba backend from a compiled loop.

The rule takes its arguments as one named tuple (:class:`OffenderArgs`: the arrays, and the
scalar parameters of :class:`OffenderParams`), built by :meth:`polsim.engine.offenders.Offenders.rule_args`.
Draws per offender and step (one row of ``draws``): 0 arrest, 1 crime, 2 crime type, 3 move.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import get_num_threads, njit, prange

from polsim.rules import on_every_core
from polsim.rules.prefetch import prefetch

OFFENDER_STATUS = ("walking", "fleeing", "jailed", "inactive")
"""Offender states, in the order of their integer codes."""
WALKING, FLEEING, JAILED, INACTIVE = range(len(OFFENDER_STATUS))

# Neighbour offsets: north, south, west, east.
DR = np.array([-1, 1, 0, 0], dtype=np.int64)
DC = np.array([0, 0, -1, 1], dtype=np.int64)



class OffenderParams(NamedTuple):
    """The offender rule's scalar parameters; only ``hour_factor`` changes from step to step."""

    dt: float
    hour_factor: float
    capture_probability: float
    flee_steps: int
    jail_steps: int
    flee_cells: int
    remove_after_crime: bool
    periodic: bool


class OffenderArgs(NamedTuple):
    """The arguments of :func:`offender_step` for one step.

    The offender arrays (one row per offender; ``crime`` and ``arrested`` are the step's
    outputs), the rasters as they were at the start of the step (``weight`` is this step's
    :func:`walk_weights`), the crime-type table (``type_cdf[type_label[r, c]]`` is the
    cumulative type mix at a cell), one row of draws per offender, and the fields of
    :class:`OffenderParams` (flat: Numba's parallel loops take no tuple inside a tuple).
    """

    r: np.ndarray
    c: np.ndarray
    status: np.ndarray
    timer: np.ndarray
    origin_r: np.ndarray
    origin_c: np.ndarray
    home_r: np.ndarray
    home_c: np.ndarray
    crime: np.ndarray
    arrested: np.ndarray
    a0: np.ndarray
    b: np.ndarray
    weight: np.ndarray
    deterrence: np.ndarray
    capture: np.ndarray
    passable: np.ndarray
    type_label: np.ndarray
    type_cdf: np.ndarray
    type_flees: np.ndarray
    draws: np.ndarray
    dt: float
    hour_factor: float
    capture_probability: float
    flee_steps: int
    jail_steps: int
    flee_cells: int
    remove_after_crime: bool
    periodic: bool


@njit(cache=True, inline="always")
def attractiveness(a0, b, hour_factor, r, c):
    """A = A0 * hour factor + B at a cell (Short et al. 2008, with a daily cycle on A0)."""
    return a0[r, c] * hour_factor + b[r, c]


@njit(cache=True, inline="always")
def crime_probability(a, deterrence, dt):
    """Chance of a crime in one step: 1 - exp(-A dt), with A lowered by exp(-deterrence)."""
    # exp(-0) is exactly 1: most cells see no guardian or police, so skip the exponential there
    lowered = a if deterrence == 0.0 else a * np.exp(-deterrence)
    return 1.0 - np.exp(-lowered * dt)


EXP_ROUNDING = 1e-15
"""More than the rounding error of ``1 - exp(-x)`` in float64 (a few 1e-16)."""


@njit(cache=True, inline="always")
def offends(a, deterrence, r, c, dt, u):
    """Whether the uniform draw ``u`` falls below ``crime_probability(a, deterrence[r, c], dt)``.

    The same answer as that comparison, bit for bit, but without the exponential in the
    common case: ``1 - exp(-x) < x``, so a draw at or above ``x`` (plus the rounding of the
    computed probability) cannot fall below it, and ``x = A dt`` is ~1e-4 a step. Deterrence
    (never negative) only lowers ``x``, so a draw above ``A dt`` needs no look at it either.
    """
    if u >= a * dt + EXP_ROUNDING:
        return False
    d = deterrence[r, c]
    x = (a if d == 0.0 else a * np.exp(-d)) * dt
    if u >= x + EXP_ROUNDING:
        return False
    return u < crime_probability(a, d, dt)


@njit(cache=True, inline="always")
def pick_index(cdf_row, u):
    """Index of the first entry of a cumulative distribution above ``u`` (inverse-CDF draw)."""
    n = cdf_row.shape[0]
    for k in range(n):
        if u < cdf_row[k]:
            return k
    return n - 1


@njit(cache=True, inline="always")
def neighbour(r, c, k, rows, cols, periodic):
    """Cell ``k`` steps of the four-neighbourhood; (-1, -1) when off a hard-edged lattice."""
    nr, nc = r + DR[k], c + DC[k]
    if periodic:
        return nr % rows, nc % cols
    if nr < 0 or nr >= rows or nc < 0 or nc >= cols:
        return -1, -1
    return nr, nc


@njit(cache=True, inline="always")
def walk_weight(a0, b, hour_factor, risk, risk_aversion, passable, r, c):
    """Weight of stepping onto a cell: its attractiveness, discounted by the police seen there."""
    if r < 0 or not passable[r, c]:
        return 0.0
    a = attractiveness(a0, b, hour_factor, r, c)
    x = risk[r, c]
    # exp(-0) is exactly 1: most cells see no police, so skip the exponential there
    return a if x == 0.0 else a * np.exp(-risk_aversion * x)


def walk_weights(out, a0, b, hour_factor, risk, risk_aversion, passable) -> None:
    """``walk_weight`` of every cell, once a step, into ``out``.

    The walk then reads one raster at its four neighbours instead of four: an offender pulls
    a quarter of the cache lines, and every offender next to a cell shares its weight.
    """
    loop = _walk_weights_parallel if on_every_core(out.size) else _walk_weights_serial
    loop(out, a0, b, hour_factor, risk, risk_aversion, passable)


@njit(cache=True, inline="always")
def _walk_weights_row(out, a0, b, hour_factor, risk, risk_aversion, passable, r):
    for c in range(out.shape[1]):
        out[r, c] = walk_weight(a0, b, hour_factor, risk, risk_aversion, passable, r, c)


@njit(cache=True, parallel=True, _nrt=False)
def _walk_weights_parallel(out, a0, b, hour_factor, risk, risk_aversion, passable):
    for r in prange(out.shape[0]):
        _walk_weights_row(out, a0, b, hour_factor, risk, risk_aversion, passable, r)


@njit(cache=True, _nrt=False)
def _walk_weights_serial(out, a0, b, hour_factor, risk, risk_aversion, passable):
    for r in range(out.shape[0]):
        _walk_weights_row(out, a0, b, hour_factor, risk, risk_aversion, passable, r)


@njit(cache=True, inline="always")
def walk(r, c, weight, periodic, u):
    """Biased random walk: step to a neighbour with probability proportional to its weight.

    ``weight`` is the raster of ``walk_weights``: with ``risk_aversion = 0`` this is exactly
    the walk of Short et al. (2008). Stays put when no neighbour has weight.
    """
    # Four scalars rather than a small array: an array per call is a heap allocation per
    # offender and step, which dominated the kernel at 1e6 offenders.
    rows, cols = weight.shape
    w0 = _neighbour_weight(r, c, 0, rows, cols, periodic, weight)
    w1 = _neighbour_weight(r, c, 1, rows, cols, periodic, weight)
    w2 = _neighbour_weight(r, c, 2, rows, cols, periodic, weight)
    w3 = _neighbour_weight(r, c, 3, rows, cols, periodic, weight)
    total = w0 + w1 + w2 + w3
    if total <= 0.0:
        return r, c
    target = u * total
    k = _pick_weighted(target, w0, w1, w2, w3)
    return neighbour(r, c, k, rows, cols, periodic)


@njit(cache=True, inline="always")
def _neighbour_weight(r, c, k, rows, cols, periodic, weight):
    nr, nc = neighbour(r, c, k, rows, cols, periodic)
    return 0.0 if nr < 0 else weight[nr, nc]


@njit(cache=True, inline="always")
def _pick_weighted(target, w0, w1, w2, w3):
    """The first neighbour whose running weight passes ``target`` (the last open one if none).

    The running sums never decrease, so the first one above ``target`` comes after exactly
    those at or below it: counting them picks the same neighbour without a branch whose
    outcome is a coin flip (a mispredicted branch costs more than the whole count).
    """
    acc0 = w0
    acc1 = acc0 + w1
    acc2 = acc1 + w2
    # int(): in plain Python (NUMBA_DISABLE_JIT) numpy booleans would add up as a logical or
    k = int(acc0 <= target) + int(acc1 <= target) + int(acc2 <= target)
    if target < acc2 + w3:
        return k
    # rounding left target at the very top: take the last open cell
    if w3 > 0.0:
        return 3
    if w2 > 0.0:
        return 2
    if w1 > 0.0:
        return 1
    return 0


@njit(cache=True, inline="always")
def flee(r, c, origin_r, origin_c, cells, passable, u):
    """Run from the crime: along the row or column axis, favouring the one already furthest."""
    rows, cols = passable.shape
    dr, dc = r - origin_r, c - origin_c
    p_row = (abs(dr) + 0.5) / (abs(dr) + abs(dc) + 1.0)
    if u < p_row:
        sub, along_rows, d = u / p_row, True, dr
    else:
        sub, along_rows, d = (u - p_row) / (1.0 - p_row), False, dc
    step = 1 if d > 0 else (-1 if d < 0 else (1 if sub < 0.5 else -1))
    for _ in range(cells):
        nr, nc = (r + step, c) if along_rows else (r, c + step)
        if nr < 0 or nr >= rows or nc < 0 or nc >= cols or not passable[nr, nc]:
            break
        r, c = nr, nc
    return r, c


@njit(cache=True, inline="always")
def offender_step(i, a):
    """One step of offender ``i`` (``a``: :class:`OffenderArgs`); writes its row, and its
    crime type (or -1) to ``a.crime``.
    """
    a.crime[i] = -1
    a.arrested[i] = False
    s = a.status[i]
    if s == INACTIVE:
        return
    r, c = a.r[i], a.c[i]
    if s == JAILED:
        a.timer[i] -= 1
        if a.timer[i] <= 0:
            a.status[i] = WALKING
            a.r[i], a.c[i] = a.home_r[i], a.home_c[i]
        return
    if s == FLEEING:
        if a.capture[r, c] > 0 and a.draws[i, 0] < a.capture_probability:
            a.status[i] = JAILED
            a.timer[i] = a.jail_steps
            a.arrested[i] = True
            return
        a.r[i], a.c[i] = flee(r, c, a.origin_r[i], a.origin_c[i], a.flee_cells, a.passable, a.draws[i, 3])
        a.timer[i] -= 1
        if a.timer[i] <= 0:
            a.status[i] = WALKING
        return
    attract = attractiveness(a.a0, a.b, a.hour_factor, r, c)
    if offends(attract, a.deterrence, r, c, a.dt, a.draws[i, 1]):
        k = pick_index(a.type_cdf[a.type_label[r, c]], a.draws[i, 2])
        a.crime[i] = k
        if a.remove_after_crime:
            a.status[i] = INACTIVE  # Short et al. (2008): the burglar leaves after one crime
        elif a.type_flees[k] and a.flee_steps > 0:
            a.status[i] = FLEEING
            a.timer[i] = a.flee_steps
            a.origin_r[i], a.origin_c[i] = r, c
        return
    a.r[i], a.c[i] = walk(r, c, a.weight, a.periodic, a.draws[i, 3])


@njit(cache=True)
def offender_row(i, fields):
    """:func:`offender_step` of row ``i``, from ``tuple(args)`` of an :class:`OffenderArgs`.

    The Mesa backend's entry, called from Python once per agent: Numba types a plain tuple
    of arrays in C, a named tuple in Python (several times slower a call: docs/performance.md).
    """
    offender_step(i, OffenderArgs(*fields))


# The rules are inlined into the loops below (``inline="always"``) and the loops run without
# reference counting (``_nrt=False``: nothing in a rule allocates). A call per row with ~20
# array arguments, and the reference counts of the arrays its inlined body touches, cost
# ~400 ns an offender.


PREFETCH_AHEAD = 16
"""Rows ahead whose cells the offender loops ask the cache for (8-16 measured best at city
scale; 4 is too close to hide the wait, 24 lets the lines go again before they are used)."""

SPARSE_CELLS_PER_OFFENDER = 4
"""From this many cells per offender on, the loops prefetch. Denser populations share each
cache line of the rasters among several offenders, and the hints only cost instructions
(1e6 offenders on 1e6 cells: 5-10% slower with them; 1e5 on 921,600 cells: twice as fast)."""


def prefetch_ahead(offenders: int, cells: int) -> int:
    """How many rows ahead the offender loops should prefetch (0: not at all)."""
    return PREFETCH_AHEAD if cells >= SPARSE_CELLS_PER_OFFENDER * offenders else 0


@njit(cache=True, inline="always")
def _prefetch_cells(order, k, ahead, a):
    """Ask for the cache lines that the offender ``ahead`` rows on will read: its cell's
    attractiveness and the walk weights of the rows around it (a hint: no value changes).
    """
    if ahead == 0 or k + ahead >= order.shape[0]:
        return
    i = order[k + ahead]
    r, c = a.r[i], a.c[i]
    prefetch(a.a0, r, c)
    prefetch(a.b, r, c)
    prefetch(a.weight, max(r - 1, 0), c)
    prefetch(a.weight, r, c)
    prefetch(a.weight, min(r + 1, a.weight.shape[0] - 1), c)


CHUNKS_PER_THREAD = 8
"""Pieces of the offender rows per thread in the parallel loop (small enough to even out
threads that finish early, large enough that a piece costs far more than handing it out)."""


@njit(cache=True, _nrt=False, inline="never")
def _visit(order, lo, hi, args, ahead):
    """``offender_step`` for the rows ``order[lo:hi]``, prefetching ``ahead`` rows on.

    Never inlined: Numba's parallel loops lose writes made through a named tuple's arrays
    inside the loop body (numba#5872, #7135, still open in 0.68), but not those made in a
    function the loop calls. The parallel loop therefore hands out pieces of rows to this one.
    """
    for k in range(lo, hi):
        _prefetch_cells(order, k, ahead, args)
        offender_step(order[k], args)


def offenders_loop(order, args, ahead=0) -> None:
    """``offender_step`` for every offender, visited in ``order``, prefetching ``ahead`` rows on.

    Rows are independent (each reads the rasters as they were at the start of the step and
    writes only its own row), so they run in parallel and any visiting order gives the same
    result. The model keeps the rows sorted by cell, so visiting them in row order keeps
    both the rows and the raster reads in cache.
    """
    _visit_in_pieces(order, args, ahead, CHUNKS_PER_THREAD * get_num_threads())


@njit(cache=True, parallel=True, _nrt=False)
def _visit_in_pieces(order, args, ahead, pieces):
    """:func:`_visit` over ``pieces`` pieces of the rows, shared out among the threads."""
    n = order.shape[0]
    for p in prange(pieces):
        _visit(order, p * n // pieces, (p + 1) * n // pieces, args, ahead)


@njit(cache=True, _nrt=False)
def offenders_loop_serial(order, args, ahead=0):
    """``offenders_loop`` on one thread, for populations too small to share out."""
    _visit(order, 0, order.shape[0], args, ahead)
