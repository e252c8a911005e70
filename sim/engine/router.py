"""The router: travel times and paths on the city's network, for the dispatch centre and movement.

It holds the city's network once (each cell's slowness for driving and for walking) and the
searches' scratch, and answers the questions the engine asks of the travel rule
(:mod:`polsim.rules.travel`): which candidate unit reaches a cell first, and by which path
(:meth:`Router.nearest`); a path from a unit to a cell (:meth:`Router.route`); every unit's
minutes to a cell (:meth:`Router.minutes`).

How fast a cell is: for a vehicle, its road's free-flow speed relative to an ordinary urban
road (``REFERENCE_KMH``): a unit's ``speed_kmh`` is its speed on such a road, faster on an
arterial or a motorway, slower in a lane; a passable cell with no road (a courtyard, a park, a
building's plot) is entered at walking pace, the crew leaving the car (``ACCESS_KMH``);
blocked land is closed. On foot, the unit's own speed on every cell a person may cross, and
walking pace into the rest of the passable land.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from polsim.engine.trip_search import search_trips, thread_count
from polsim.rules.routing import Scratch, nearest_unit, path_costs, route
from polsim.rules.travel import DRIVE, FLY, WALK, flying_minutes, slowness

if TYPE_CHECKING:
    from polsim.cities.city import City
    from polsim.engine.units import Units

REFERENCE_KMH = 40.0
"""The road a unit's ``speed_kmh`` is stated for: an ordinary urban road of 40 km/h."""
ACCESS_KMH = 5.0
"""Walking pace: the last stretch off the road network, on foot."""

PATROL_GREED = 1.5
"""Patrol trips take a path at most this much longer than the shortest (weighted A*): it
explores a fraction of the cells, and a patrol route need not be the fastest."""


def drive_factor(road_kmh: np.ndarray, passable: np.ndarray) -> np.ndarray:
    """Each cell's speed for a vehicle relative to an ordinary urban road (0: closed)."""
    off_road = np.where(passable, ACCESS_KMH / REFERENCE_KMH, 0.0)
    return np.where(road_kmh > 0, road_kmh / REFERENCE_KMH, off_road)


def walk_factor(foot: np.ndarray, passable: np.ndarray) -> np.ndarray:
    """Each cell's speed on foot relative to the unit's own (1 where a person may cross it)."""
    return np.where(foot, 1.0, np.where(passable, ACCESS_KMH / REFERENCE_KMH, 0.0))


class Router:
    """Paths and travel times on a city's network for one run's units.

    Args:
        city: the lattice and its road layers.
        units: the units whose positions, speeds and modes it reads (never writes).
    """

    def __init__(self, city: City, units: Units) -> None:
        self.rows, self.cols = city.rows, city.cols
        self.units = units
        self.w = {DRIVE: slowness(drive_factor(city.road_kmh, city.passable)).ravel(),
                  WALK: slowness(walk_factor(city.foot, city.passable)).ravel()}
        self.w_min = {mode: float(w[np.isfinite(w)].min()) if np.isfinite(w).any() else 1.0
                      for mode, w in self.w.items()}
        self.w_max = {mode: float(w[np.isfinite(w)].max()) if np.isfinite(w).any() else 1.0
                      for mode, w in self.w.items()}
        self.scratch = Scratch(city.rows * city.cols)
        self._trip_scratches = [self.scratch]  # one a thread searching patrol trips, made when needed

    def nearest(self, r: int, c: int, candidates: np.ndarray, congestion: float) -> tuple[int, np.ndarray]:
        """The candidate unit that reaches (r, c) first, and its path there (empty for a flying
        unit); (-1, empty) when none can reach it.
        """
        u, rate = self.units, self.units.rates(congestion)
        src = r * self.cols + c
        best, best_t, best_path = -1, np.inf, np.zeros(0, np.int64)
        flying = np.flatnonzero(candidates & (u.mode == FLY))
        if flying.size:
            minutes = flying_minutes(r, c, u.r[flying], u.c[flying], rate[flying])
            k = int(np.argmin(minutes))
            best, best_t = int(flying[k]), float(minutes[k])
        for mode in (DRIVE, WALK):
            who = np.flatnonzero(candidates & (u.mode == mode))
            if who.size == 0:
                continue
            s = self.scratch
            k, t, path = nearest_unit(src, self.w[mode], self.rows, self.cols, u.r[who] * self.cols + u.c[who],
                                      rate[who], best_t, s.dist, s.pred, s.head, self.w_min[mode], self.w_max[mode])
            if k >= 0 and (t < best_t or (t == best_t and who[k] < best)):
                best, best_t, best_path = int(who[k]), t, path
        return best, best_path

    def route(self, unit: int, r: int, c: int, greed: float = 1.0) -> np.ndarray:
        """A path from where ``unit`` stands to (r, c) (empty for a flying unit, or where no path
        exists); ``greed > 1`` accepts a path up to that much longer than the shortest.
        """
        mode = self.units.mode[unit]
        if mode == FLY:
            return np.zeros(0, np.int64)
        s, u = self.scratch, self.units
        return route(int(u.r[unit] * self.cols + u.c[unit]), r * self.cols + c, self.w[mode], self.rows, self.cols,
                     self.w_min[mode], greed, s.dist, s.pred)

    def routes(self, units: np.ndarray, r: np.ndarray, c: np.ndarray, greed: float = 1.0) -> list[np.ndarray]:
        """:meth:`route` for many units at once (the trips of a travel mode searched together,
        on several threads when there are many: :mod:`polsim.engine.trip_search`).
        """
        u, out = self.units, [np.zeros(0, np.int64)] * len(units)
        for mode in (DRIVE, WALK):
            pick = np.flatnonzero(u.mode[units] == mode)
            if pick.size == 0:
                continue
            who = units[pick]
            threads = thread_count(pick.size)
            while len(self._trip_scratches) < threads:
                self._trip_scratches.append(Scratch(self.rows * self.cols, heads=False))
            arena, starts, lengths = search_trips(u.r[who] * self.cols + u.c[who], r[pick] * self.cols + c[pick],
                                                  self.w[mode], self.rows, self.cols, self.w_min[mode], greed,
                                                  self._trip_scratches[:threads])
            for k, s, n in zip(pick.tolist(), starts.tolist(), lengths.tolist(), strict=True):
                out[k] = arena[s:s + n]
        return out

    def minutes(self, r: int, c: int, congestion: float) -> np.ndarray:
        """Minutes for every unit to reach (r, c) from where it stands (inf: it cannot)."""
        u, rate = self.units, self.units.rates(congestion)
        out = np.full(len(u), np.inf)
        flying = np.flatnonzero(u.mode == FLY)
        out[flying] = flying_minutes(r, c, u.r[flying], u.c[flying], rate[flying])
        for mode in (DRIVE, WALK):
            who = np.flatnonzero(u.mode == mode)
            if who.size:
                cost = path_costs(r * self.cols + c, self.w[mode], self.rows, self.cols,
                                  u.r[who] * self.cols + u.c[who], self.scratch.dist, self.scratch.pred)
                out[who] = cost / rate[who]
        return out
