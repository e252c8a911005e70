"""Travel time: the one rule for how long a unit takes to reach a cell.

Movement spends it step by step (:func:`polsim.rules.movement.unit_move`) and the dispatch
centre asks it for every unit at once to choose the nearest (:func:`minutes_to`): both read
the same speed rule and the same distance rule here. Ground units go along the streets
(street, L1, distance), flying units straight (octile distance: a diagonal cell costs
sqrt 2); traffic slows a unit by its congestion sensitivity.
"""

from __future__ import annotations

import numpy as np
from numba import njit

SQRT2 = np.sqrt(2.0)


@njit(cache=True, inline="always")
def traffic_factor(sensitivity, congestion):
    """A unit's share of its free-flow speed in traffic: 1 when traffic flows freely or the
    unit is not slowed by it (``sensitivity = 0``), ``congestion`` when fully slowed."""
    return 1.0 - sensitivity + sensitivity * congestion


@njit(cache=True, inline="always")
def step_budget(speed, congestion, sensitivity, road_factor, dt):
    """Cells of credit a unit earns in one step on a cell of speed factor ``road_factor``."""
    return speed * dt * traffic_factor(sensitivity, congestion) * road_factor


@njit(cache=True, inline="always")
def cells_to_cover(dr, dc, flies):
    """Cells a unit must cover to move (dr, dc): street (L1) distance, or octile distance
    for flying units."""
    adr, adc = abs(dr), abs(dc)
    if flies:
        return max(adr, adc) + (SQRT2 - 1.0) * min(adr, adc)
    return adr + adc


@njit(cache=True)
def minutes_to(r, c, pos_r, pos_c, speed, sensitivity, flies, congestion):
    """Estimated minutes for every unit to reach cell (``r``, ``c``) from where it stands, at
    free-flow road speed (the road factor of the cells on the way is not known in advance)."""
    out = np.empty(pos_r.shape[0])
    for j in range(pos_r.shape[0]):
        distance = cells_to_cover(pos_r[j] - r, pos_c[j] - c, flies[j])
        out[j] = distance / (speed[j] * traffic_factor(sensitivity[j], congestion))
    return out
