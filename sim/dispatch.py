"""The dispatch centre: a priority queue of calls and the choice of unit.

Calls wait in order of priority, then call time. Whenever a call comes in or a unit comes
free, every waiting call in that order gets the available capable unit with the shortest
estimated travel time from its live position (AVL, the reports' "one map"), or, under the
zone-bound rule, the best unit of the incident's own station zone when one is free.
Serious incidents also get backup units, which never hold up a first response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from polsim.incident import Incident
from polsim.scenario.schema import UNIT_STATES

if TYPE_CHECKING:
    from polsim.model import PolicingModel

PATROLLING, DISPATCHED, ON_SCENE, PURSUING, RETURNING, OFF_SHIFT = range(len(UNIT_STATES))
AVAILABLE_STATES = (PATROLLING, RETURNING)
BUSY_STATES = (DISPATCHED, ON_SCENE, PURSUING)


class DispatchCentre:
    """Queues calls by priority and sends the nearest available capable unit."""

    def __init__(self, model: PolicingModel) -> None:
        self.model = model
        self.waiting: list[tuple[Incident, bool]] = []  # (incident, is_backup)
        units = model.units
        cell_m = model.city.cell_m
        self.responds = units.per_type("responds", bool)
        self.radius_cells = units.per_type("response_radius_m") / cell_m

    @property
    def calls_waiting(self) -> int:
        """First-response calls still waiting for a unit."""
        return sum(1 for _, backup in self.waiting if not backup)

    def enqueue(self, inc: Incident) -> None:
        """A call reaches the centre: queue it (and its backup requests) and dispatch."""
        self.waiting.append((inc, False))
        if inc.serious:
            backups = self.model.scenario.spec.dispatch.backup_units
            self.waiting.extend((inc, True) for _ in range(backups))
        self.dispatch_waiting()

    def available(self) -> np.ndarray:
        """Units free to take a call now (with ``return_to_base``, not while driving home)."""
        u = self.model.units
        if self.model.spec.dispatch.return_to_base:
            return self.responds & (u.state == PATROLLING)
        return self.responds & u.in_state(AVAILABLE_STATES)

    def back_at_base(self, unit: int) -> None:
        """``unit`` has driven home after a job (``return_to_base``): free again, serve the queue."""
        if self.model.units.state[unit] == RETURNING:
            self.model.units.state[unit] = PATROLLING
            self.dispatch_waiting()

    def travel_minutes(self, r: int, c: int) -> np.ndarray:
        """Estimated minutes for every unit to reach cell (r, c) from where it is now."""
        u = self.model.units
        dr, dc = np.abs(u.r - r), np.abs(u.c - c)
        dist = np.where(u.flies, np.maximum(dr, dc) + (np.sqrt(2) - 1) * np.minimum(dr, dc), dr + dc)
        congestion = self.model.city.congestion(self.model.hour)
        speed = u.speed * (1.0 - u.sensitivity + u.sensitivity * congestion)
        return dist / speed

    def within_reach(self, r: int, c: int) -> np.ndarray:
        """Units allowed to take a call at (r, c): posts only within their radius of base."""
        u = self.model.units
        from_base = np.abs(u.base_r - r) + np.abs(u.base_c - c)
        return (self.radius_cells <= 0) | (from_base <= self.radius_cells + 1e-9)

    def choose(self, inc: Incident, free: np.ndarray) -> int:
        """The unit to send to ``inc`` among ``free`` ones, or -1 when none can go."""
        model = self.model
        ok = free & self.within_reach(inc.r, inc.c)
        ok = model.policy.eligible_units(model, inc, ok)
        if not ok.any():
            return -1
        minutes = self.travel_minutes(inc.r, inc.c)
        if model.dispatch_rule == "zone":
            own = ok & model.policy.zone_units(model, inc)
            if own.any():
                ok = own
        return int(np.argmin(np.where(ok, minutes, np.inf)))

    def dispatch_waiting(self) -> None:
        """Serve waiting calls in priority order with whatever units are free."""
        if not self.waiting:
            return
        free = self.available()
        order = sorted(self.waiting, key=lambda item: (item[0].priority, item[1], item[0].t_call,
                                                        item[0].id))
        still = []
        for inc, backup in order:
            unit = self.choose(inc, free) if free.any() else -1
            if unit < 0:
                still.append((inc, backup))
                continue
            free[unit] = False
            self.assign(inc, unit)
        self.waiting = still

    def assign(self, inc: Incident, unit: int) -> None:
        """Send ``unit`` to ``inc``: it drives to the incident cell from where it is."""
        u, now = self.model.units, self.model.env.now
        if inc.t_dispatch != inc.t_dispatch:
            inc.t_dispatch = now
        inc.units.append(unit)
        u.state[unit] = DISPATCHED
        u.incident[unit] = inc.id
        u.tgt_r[unit], u.tgt_c[unit] = inc.r, inc.c
        u.moving[unit] = True
        if self.model.spec.dispatch.instant_travel:
            # Zero travel time: busy time is then exactly the time on scene (an M/M/c server).
            u.r[unit], u.c[unit] = inc.r, inc.c
            u.moving[unit] = False
            self.arrive(unit, inc)

    def arrive(self, unit: int, inc: Incident) -> None:
        """``unit`` reaches the scene; the first arrival starts the clock on scene."""
        u = self.model.units
        if inc.is_open and u.incident[unit] == inc.id:
            u.state[unit] = ON_SCENE
            if inc.t_arrival != inc.t_arrival:
                inc.t_arrival = self.model.env.now
                inc.first_unit = unit
                inc.first_unit_type = u.type_names[u.type_idx[unit]]
                inc.arrived.succeed()

    def close(self, inc: Incident) -> None:
        """Close ``inc``: every unit on it returns to patrol; drop its unserved backup requests
        (nothing here may keep a closed incident: the log archives and drops it)."""
        self.model.incidents.close(inc, self.model.env.now)
        self.waiting = [(i, b) for i, b in self.waiting if i is not inc]
        for unit in inc.units:
            if self.model.units.incident[unit] == inc.id:
                self.model.release_unit(unit)
        self.dispatch_waiting()
