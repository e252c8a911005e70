"""The dispatch centre: a priority queue of calls and the choice of unit.

Calls wait in order of priority, then call time. Whenever a call comes in or a unit comes
free, every waiting call in that order gets the available capable unit with the shortest
travel time on the network from its live position (AVL, the reports' "one map"), or, under
the zone-bound rule, the nearest unit of the incident's own zone when one is free. The unit
then drives the very path that search found (:class:`polsim.engine.router.Router`), so the unit
chosen as nearest is the one that arrives first. Serious incidents also get backup units,
which never hold up a first response.

The centre decides; the units module writes the units' states (:class:`polsim.engine.units.Units`).
What the policy says about a call (which units may take it, which are its zone's own) comes
in as two functions, so the centre knows nothing of policies or of the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from polsim.scenario.schema import DispatchSpec

if TYPE_CHECKING:
    from polsim.cities.city import City
    from polsim.engine.clock import Clock
    from polsim.engine.incident import Incident
    from polsim.engine.router import Router
    from polsim.engine.units import Units

UnitFilter = Callable[["Incident", np.ndarray], np.ndarray]
"""A policy's narrowing of the units that may take a call: (incident, allowed) -> allowed."""
ZoneUnits = Callable[["Incident"], np.ndarray]
"""A policy's answer to which units are an incident's own zone's: incident -> mask."""


class DispatchCentre:
    """Queues calls by priority and sends the nearest available capable unit.

    Args:
        clock: the time now and of day (shifts, traffic).
        units: the units it sends (their owner writes their states).
        router: travel times and paths on the network.
        city: the city's traffic by hour.
        spec: the scenario's dispatch section (backup, return to base, instant travel).
        rule: ``"avl"`` (nearest unit) or ``"zone"`` (the zone's own units first).
        eligible: the policy's narrowing of the units allowed to take a call.
        zone_units: the policy's zones, for the zone-bound rule.
    """

    def __init__(self, clock: Clock, units: Units, router: Router, city: City, spec: DispatchSpec, rule: str,
                 eligible: UnitFilter, zone_units: ZoneUnits) -> None:
        self.clock, self.units, self.router, self.city, self.spec, self.rule = clock, units, router, city, spec, rule
        self.eligible, self.zone_units = eligible, zone_units
        self.waiting: list[tuple[Incident, bool]] = []  # (incident, is_backup)

    @property
    def calls_waiting(self) -> int:
        """First-response calls still waiting for a unit."""
        return sum(1 for _, backup in self.waiting if not backup)

    def available(self) -> np.ndarray:
        """Units free to take a call now (with ``return_to_base``, not while driving home)."""
        return self.units.available(self.spec.return_to_base)

    @property
    def congestion(self) -> float:
        """The city's traffic speed factor now."""
        return self.city.congestion(self.clock.hour)

    def travel_minutes(self, r: int, c: int) -> np.ndarray:
        """Minutes for every unit to reach cell (r, c) from where it is now (inf: it cannot)."""
        return self.router.minutes(r, c, self.congestion)

    def within_reach(self, r: int, c: int) -> np.ndarray:
        """Units allowed to take a call at (r, c): posts only within their radius of base."""
        u = self.units
        from_base = np.abs(u.base_r - r) + np.abs(u.base_c - c)
        return (u.response_radius_cells <= 0) | (from_base <= u.response_radius_cells + 1e-9)

    def choose(self, inc: Incident, free: np.ndarray) -> tuple[int, np.ndarray]:
        """The unit to send to ``inc`` among ``free`` ones and its path there; (-1, empty) when
        none can go.
        """
        ok = self.eligible(inc, free & self.within_reach(inc.r, inc.c))
        if not ok.any():
            return -1, np.zeros(0, np.int64)
        if self.rule == "zone":
            own = ok & self.zone_units(inc)
            if own.any():
                ok = own
        return self.router.nearest(inc.r, inc.c, ok, self.congestion)

    # -- calls in -----------------------------------------------------------------------------
    def enqueue(self, inc: Incident) -> None:
        """A call reaches the centre: queue it (and its backup requests) and dispatch."""
        self.waiting.append((inc, False))
        if inc.serious:
            self.waiting.extend((inc, True) for _ in range(self.spec.backup_units))
        self.dispatch_waiting()

    def dispatch_waiting(self) -> None:
        """Serve waiting calls in priority order with whatever units are free."""
        if not self.waiting:
            return
        free = self.available()
        order = sorted(self.waiting, key=lambda item: (item[0].priority, item[1], item[0].t_call, item[0].id))
        still = []
        for inc, backup in order:
            unit, path = self.choose(inc, free) if free.any() else (-1, None)
            if unit < 0:
                still.append((inc, backup))
                continue
            free[unit] = False
            self.assign(inc, unit, path)
        self.waiting = still

    def assign(self, inc: Incident, unit: int, path: np.ndarray | None = None) -> None:
        """Send ``unit`` to ``inc`` by ``path`` (by default the router's fastest path from
        where it stands, as for a unit that saw the crime itself).
        """
        inc.dispatched(unit, self.clock.now)
        if self.spec.instant_travel:
            path = np.zeros(0, np.int64)
        elif path is None:
            path = self.router.route(unit, inc.r, inc.c)
        self.units.send(unit, inc.id, inc.r, inc.c, path)
        if self.spec.instant_travel:
            # Zero travel time: busy time is then exactly the time on scene (an M/M/c server).
            self.units.teleport_to_target(unit)
            self.arrive(unit, inc)

    # -- units report ---------------------------------------------------------------------------
    def arrive(self, unit: int, inc: Incident) -> None:
        """``unit`` reaches the scene; the first arrival starts the clock on scene."""
        u = self.units
        if inc.is_open and u.incident[unit] == inc.id:
            u.arrive(unit)
            if inc.reached(unit, u.type_names[u.type_idx[unit]], self.clock.now):
                inc.arrived.succeed()

    def back_at_base(self, unit: int) -> None:
        """``unit`` has driven home after a job (``return_to_base``): free again, serve the queue."""
        if self.units.back_at_base(unit):
            self.dispatch_waiting()

    def finish(self, inc: Incident) -> None:
        """``inc`` is closed: drop its unserved backup requests, free every unit on it, and
        serve the queue (nothing here may keep a closed incident: the log archives it).
        """
        self.waiting = [(i, b) for i, b in self.waiting if i is not inc]
        for unit in inc.units:
            if self.units.incident[unit] == inc.id:
                self.release(unit)
        self.dispatch_waiting()

    def release(self, unit: int) -> None:
        """``unit`` is done: back to patrol (or driving home, or off shift if its shift is over)."""
        u = self.units
        on_duty = bool(u.on_duty(self.clock.hour_of_day)[unit])
        home = None
        if on_duty and self.spec.return_to_base:
            home = self.router.route(unit, int(u.base_r[unit]), int(u.base_c[unit]))
        u.release(unit, on_duty, home)
