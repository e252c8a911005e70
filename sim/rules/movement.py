"""How police units and guardians move on the lattice.

A unit banks movement credit each step (its speed in cells per minute times the step,
slowed by traffic and the road it stands on) and spends it one cell at a time toward its
target: ground units along the streets (one axis at a time, the longer first), flying
units straight (a diagonal cell costs sqrt 2). So a unit never covers more than its
credit, and the minute within the step at which it reaches its target is known exactly.
"""

from __future__ import annotations

import numpy as np
from numba import njit

SQRT2 = np.sqrt(2.0)


@njit(cache=True, inline="always")
def step_budget(speed, congestion, sensitivity, road_factor, dt):
    """Cells of credit a unit earns in one step."""
    return speed * dt * (1.0 - sensitivity + sensitivity * congestion) * road_factor


@njit(cache=True, inline="always")
def travel_distance(dr, dc, flies):
    """Cells a unit must cover: street (L1) distance, or octile distance for flying units."""
    adr, adc = abs(dr), abs(dc)
    if flies:
        return max(adr, adc) + (SQRT2 - 1.0) * min(adr, adc)
    return adr + adc


@njit(cache=True, inline="always")
def unit_move(j, pos_r, pos_c, tgt_r, tgt_c, credit, moving, arrive_frac, speed, sensitivity,
              flies, road, congestion, dt):
    """Move unit ``j`` toward its target for one step.

    Writes ``arrive_frac[j]``: the fraction of the step at which it reached the target, or -1
    when it did not arrive this step (or had nowhere to go).
    """
    arrive_frac[j] = -1.0
    if not moving[j]:
        return
    r, c = pos_r[j], pos_c[j]
    road_factor = 1.0 if flies[j] else road[r, c]
    budget = step_budget(speed[j], congestion, sensitivity[j], road_factor, dt)
    cr = credit[j] + budget
    tr, tc = tgt_r[j], tgt_c[j]
    while True:
        dr, dc = tr - r, tc - c
        if dr == 0 and dc == 0:
            frac = 1.0 - cr / budget if budget > 0 else 0.0
            arrive_frac[j] = min(max(frac, 0.0), 1.0)
            moving[j] = False
            cr = 0.0
            break
        if flies[j] and dr != 0 and dc != 0:
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
    pos_r[j], pos_c[j] = r, c
    credit[j] = cr


@njit(cache=True, inline="always")
def guardian_move(g, pos_r, pos_c, r0, r1, c0, c1, passable, u):
    """Guardian ``g`` stays or steps to a neighbour, uniformly, never leaving its grid."""
    k = int(u[g] * 5.0)
    r, c = pos_r[g], pos_c[g]
    if k == 1:
        r -= 1
    elif k == 2:
        r += 1
    elif k == 3:
        c -= 1
    elif k >= 4:
        c += 1
    if r0[g] <= r < r1[g] and c0[g] <= c < c1[g] and passable[r, c]:
        pos_r[g], pos_c[g] = r, c


# The loops of the numba backend: the rules inlined, no reference counting (as in
# ``sim/rules/offender.py``, where the reasons are given).


@njit(cache=True, _nrt=False)
def units_loop(n, args):
    """``unit_move`` for every unit."""
    a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12 = args
    for j in range(n):
        unit_move(j, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12)


@njit(cache=True, _nrt=False)
def guardians_loop(n, args):
    """``guardian_move`` for every guardian."""
    a0, a1, a2, a3, a4, a5, a6, a7 = args
    for g in range(n):
        guardian_move(g, a0, a1, a2, a3, a4, a5, a6, a7)
