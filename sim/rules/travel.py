"""Travel time: the one rule for how long a unit takes from cell to cell.

Ground units travel on the lattice's network: a cell connects to its 8 neighbours, and a move
between neighbours ``a`` and ``b`` whose centres are ``d`` cell lengths apart (1, or sqrt 2
on a diagonal) costs ``d * (w[a] + w[b])`` cell lengths at the unit's own speed, where
``w = 0.5 / factor`` is half the cell's slowness (``factor`` the cell's speed relative to the
unit's speed on an ordinary urban road: its road class for a vehicle, 1 on foot). A diagonal
move needs both cells beside it open, so no unit squeezes between two blocked cells (across a
river drawn as a diagonal line of water). Closed cells have ``w = inf``.

A unit covers ``rate = speed * traffic_factor`` cell lengths a minute (cells a minute at
factor 1, slowed by the hour's traffic by its congestion sensitivity), so a path of cost
``L`` takes ``L / rate`` minutes. Because the rate is the same along the whole path, the
fastest path is the same for every unit of a mode: one search serves them all.
Flying units go straight (octile distance at their own speed), over anything.

Movement (:func:`polsim.rules.movement.unit_move`) spends this cost step by step, the dispatch
centre's searches (:mod:`polsim.rules.routing`) add it up: both read :func:`edge_cost`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

SQRT2 = np.sqrt(2.0)

DRIVE, WALK, FLY = 0, 1, 2
"""How a unit travels: on the road network, on foot over any passable cell, or straight by air."""

DR8 = np.array([-1, 1, 0, 0, -1, -1, 1, 1], dtype=np.int64)
DC8 = np.array([0, 0, -1, 1, -1, 1, -1, 1], dtype=np.int64)
"""The 8 neighbours: north, south, west, east, then the diagonals."""


def slowness(factor: np.ndarray) -> np.ndarray:
    """``w = 0.5 / factor`` of every cell (inf where the factor is 0: closed)."""
    factor = np.asarray(factor, np.float64)
    return np.where(factor > 0, 0.5 / np.maximum(factor, 1e-300), np.inf)


@njit(cache=True, inline="always")
def traffic_factor(sensitivity, congestion):
    """A unit's share of its free-flow speed in traffic: 1 when traffic flows freely or the
    unit is not slowed by it (``sensitivity = 0``), ``congestion`` when fully slowed.
    """
    return 1.0 - sensitivity + sensitivity * congestion


@njit(cache=True, inline="always")
def move_cost(w, x, dr, dc, cols):
    """Cost of the move from flat cell ``x`` by (dr, dc) to a neighbour (inf if it may not be
    made); ``w`` is the raveled slowness raster. The one definition of a move's cost.
    """
    y = x + dr * cols + dc
    if dr != 0 and dc != 0:  # a diagonal: both cells beside it must be open
        if w[x + dc] == np.inf or w[x + dr * cols] == np.inf:
            return np.inf
        return SQRT2 * (w[x] + w[y])
    return w[x] + w[y]


@njit(cache=True, inline="always")
def edge_cost(w, a, b, cols):
    """:func:`move_cost` of the move between neighbouring flat cells ``a`` and ``b``."""
    return move_cost(w, a, b // cols - a // cols, b % cols - a % cols, cols)


@njit(cache=True, inline="always")
def cells_to_cover(dr, dc, flies):
    """Cells a unit must cover to move (dr, dc) in a straight line: octile distance for flying
    units (a diagonal cell costs sqrt 2), street (L1) distance otherwise.
    """
    adr, adc = abs(dr), abs(dc)
    if flies:
        return max(adr, adc) + (SQRT2 - 1.0) * min(adr, adc)
    return adr + adc


@njit(cache=True)
def flying_minutes(r, c, pos_r, pos_c, rate):
    """Minutes for each flying unit to fly straight to (r, c) at ``rate`` cells a minute."""
    out = np.empty(pos_r.shape[0])
    for j in range(pos_r.shape[0]):
        out[j] = cells_to_cover(pos_r[j] - r, pos_c[j] - c, True) / rate[j]
    return out

