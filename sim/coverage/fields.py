"""Travel-time fields: minutes from the nearest of a set of units to every cell of the city.

A field is the engine's own travel (:mod:`polsim.rules.travel`): a ground unit's minutes to a
cell are its network cost over its rate (speed x the hour's traffic factor, as
:meth:`polsim.engine.units.Units.rates` gives it), a flying unit's its octile distance over its
rate. Units of one mode and one rate share a single multi-source search
(:func:`polsim.rules.routing.cost_field`), so a field costs one search per distinct
(mode, rate), not one per unit; the field is the minimum over those.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from polsim.engine.router import Router
from polsim.rules.routing import cost_field
from polsim.rules.travel import FLY, cells_to_cover


@dataclass(frozen=True)
class Standing:
    """Units that may answer, as rows of a run's :class:`~polsim.engine.units.Units`, and the cells
    they stand on (their bases, or where a run had them at an hour).
    """

    units: np.ndarray
    r: np.ndarray
    c: np.ndarray

    def __len__(self) -> int:
        return self.units.shape[0]


def minutes_field(router: Router, standing: Standing, congestion: float,
                  limit_min: float = np.inf) -> np.ndarray:
    """Minutes from the nearest standing unit to every cell (rows x cols; inf: none reaches it,
    or not within ``limit_min`` minutes when a limit is given: the search stops there).
    """
    rows, cols = router.rows, router.cols
    out = np.full(rows * cols, np.inf)
    if len(standing) == 0:
        return out.reshape(rows, cols)
    rate = router.units.rates(congestion)[standing.units]
    mode = router.units.mode[standing.units]
    flat = standing.r.astype(np.int64) * cols + standing.c.astype(np.int64)
    for m, v in sorted(set(zip(mode.tolist(), rate.tolist(), strict=True))):
        pick = (mode == m) & (rate == v)
        if m == FLY:
            minutes = flying_field(standing.r[pick].astype(np.int64), standing.c[pick].astype(np.int64),
                                   rows, cols) / v
        else:
            dist = np.full(rows * cols, np.inf)
            cost_field(flat[pick], router.w[m], rows, cols, _cost_limit(limit_min, v), dist)
            minutes = dist / v
        np.minimum(out, minutes, out=out)
    if np.isfinite(limit_min):
        out[out > limit_min] = np.inf
    return out.reshape(rows, cols)


@njit(cache=True)
def flying_field(pos_r, pos_c, rows, cols):
    """Octile distance in cell lengths from the nearest of the cells (pos_r, pos_c) to every cell
    (flat): the straight flight of :func:`polsim.rules.travel.cells_to_cover`.
    """
    out = np.full(rows * cols, np.inf)
    for r in range(rows):
        for c in range(cols):
            best = np.inf
            for j in range(pos_r.shape[0]):
                best = min(best, cells_to_cover(pos_r[j] - r, pos_c[j] - c, True))
            out[r * cols + c] = best
    return out


def _cost_limit(limit_min: float, rate: float) -> float:
    """The cost a search must settle to so that every cell within ``limit_min`` minutes at
    ``rate`` has its final cost: a hair over ``limit_min * rate``, as the product rounds.
    """
    return limit_min * rate * (1.0 + 1e-9)


def reach_of_site(router: Router, unit: int, cell: int, congestion: float, within_min: float,
                  dist: np.ndarray) -> np.ndarray:
    """The flat cells a unit like row ``unit`` would reach within ``within_min`` minutes from
    flat ``cell``: one bounded search. ``dist`` is city-sized scratch (all inf), left as found.
    """
    rate = float(router.units.rates(congestion)[unit])
    mode = int(router.units.mode[unit])
    if mode == FLY:
        r, c = divmod(int(cell), router.cols)
        minutes = flying_field(np.array([r]), np.array([c]), router.rows, router.cols) / rate
        return np.flatnonzero(minutes <= within_min)
    touched = cost_field(np.array([cell], np.int64), router.w[mode], router.rows, router.cols,
                         _cost_limit(within_min, rate), dist)
    minutes = dist[touched] / rate
    dist[touched] = np.inf
    return np.sort(touched[minutes <= within_min])
