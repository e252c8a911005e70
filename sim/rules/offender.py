"""An offender's step: arrest while fleeing, the crime draw, the walk.

Each rule is a Numba function on plain numbers and arrays. ``offender_step`` acts on row
``i`` of the offender arrays only, reading the shared rasters as they were at the start
of the step, so the order in which offenders act cannot change the outcome. Both backends
call it: the Mesa backend from ``Offender.step``, the Numba backend from a compiled loop.

Draws per offender and step (one row of ``draws``): 0 arrest, 1 crime, 2 crime type, 3 move.
"""

from __future__ import annotations

import numpy as np
from numba import njit

WALKING, FLEEING, JAILED, INACTIVE = 0, 1, 2, 3
"""Offender status codes."""

# Neighbour offsets: north, south, west, east.
DR = np.array([-1, 1, 0, 0], dtype=np.int64)
DC = np.array([0, 0, -1, 1], dtype=np.int64)

# Indices into the float parameter vector handed to ``offender_step``.
P_DT, P_HOUR_FACTOR, P_RISK_AVERSION, P_CAPTURE, P_FLEE_STEPS, P_JAIL_STEPS, P_FLEE_CELLS = range(7)
P_REMOVE_AFTER_CRIME, P_PERIODIC = 7, 8
N_PARAMS = 9


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


@njit(cache=True, inline="always")
def walk(r, c, a0, b, hour_factor, risk, risk_aversion, passable, periodic, u):
    """Biased random walk: step to a neighbour with probability proportional to its weight.

    With ``risk_aversion = 0`` this is exactly the walk of Short et al. (2008). Stays put when
    no neighbour has weight.
    """
    # Four scalars rather than a small array: an array per call is a heap allocation per
    # offender and step, which dominated the kernel at 1e6 offenders.
    rows, cols = passable.shape
    w0 = _neighbour_weight(r, c, 0, rows, cols, periodic, a0, b, hour_factor, risk, risk_aversion,
                           passable)
    w1 = _neighbour_weight(r, c, 1, rows, cols, periodic, a0, b, hour_factor, risk, risk_aversion,
                           passable)
    w2 = _neighbour_weight(r, c, 2, rows, cols, periodic, a0, b, hour_factor, risk, risk_aversion,
                           passable)
    w3 = _neighbour_weight(r, c, 3, rows, cols, periodic, a0, b, hour_factor, risk, risk_aversion,
                           passable)
    total = w0 + w1 + w2 + w3
    if total <= 0.0:
        return r, c
    target = u * total
    k = _pick_weighted(target, w0, w1, w2, w3)
    return neighbour(r, c, k, rows, cols, periodic)


@njit(cache=True, inline="always")
def _neighbour_weight(r, c, k, rows, cols, periodic, a0, b, hour_factor, risk, risk_aversion,
                      passable):
    nr, nc = neighbour(r, c, k, rows, cols, periodic)
    return walk_weight(a0, b, hour_factor, risk, risk_aversion, passable, nr, nc)


@njit(cache=True, inline="always")
def _pick_weighted(target, w0, w1, w2, w3):
    """The first neighbour whose running weight passes ``target`` (the last open one if none)."""
    acc = w0
    if target < acc and w0 > 0.0:
        return 0
    acc += w1
    if target < acc and w1 > 0.0:
        return 1
    acc += w2
    if target < acc and w2 > 0.0:
        return 2
    acc += w3
    if target < acc and w3 > 0.0:
        return 3
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
def offender_step(i, pos_r, pos_c, status, timer, origin_r, origin_c, home_r, home_c,
                  crime_out, arrest_out, a0, b, risk, deterrence, capture, passable,
                  land_use, type_cdf, type_flees, params, draws):
    """One step of offender ``i``; writes its row, and its crime type (or -1) to ``crime_out``."""
    crime_out[i] = -1
    arrest_out[i] = False
    s = status[i]
    if s == INACTIVE:
        return
    r, c = pos_r[i], pos_c[i]
    if s == JAILED:
        timer[i] -= 1
        if timer[i] <= 0:
            status[i] = WALKING
            pos_r[i], pos_c[i] = home_r[i], home_c[i]
        return
    if s == FLEEING:
        if capture[r, c] > 0 and draws[i, 0] < params[P_CAPTURE]:
            status[i] = JAILED
            timer[i] = int(params[P_JAIL_STEPS])
            arrest_out[i] = True
            return
        pos_r[i], pos_c[i] = flee(r, c, origin_r[i], origin_c[i], int(params[P_FLEE_CELLS]),
                                  passable, draws[i, 3])
        timer[i] -= 1
        if timer[i] <= 0:
            status[i] = WALKING
        return
    hour_factor = params[P_HOUR_FACTOR]
    a = attractiveness(a0, b, hour_factor, r, c)
    if draws[i, 1] < crime_probability(a, deterrence[r, c], params[P_DT]):
        k = pick_index(type_cdf[land_use[r, c]], draws[i, 2])
        crime_out[i] = k
        if params[P_REMOVE_AFTER_CRIME] > 0:
            status[i] = INACTIVE  # Short et al. (2008): the burglar leaves after one crime
        elif type_flees[k] and params[P_FLEE_STEPS] > 0:
            status[i] = FLEEING
            timer[i] = int(params[P_FLEE_STEPS])
            origin_r[i], origin_c[i] = r, c
        return
    pos_r[i], pos_c[i] = walk(r, c, a0, b, hour_factor, risk, params[P_RISK_AVERSION], passable,
                              params[P_PERIODIC] > 0, draws[i, 3])
