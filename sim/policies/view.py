"""What a policy sees of a run, and what it may ask for: :class:`PolicyView`.

A policy is handed this view, not the model. It reads the city, the units' arrays, its options,
the clock, the baseline risk surface and the crimes recorded so far; it asks for the units that
are free, for the nearest of some units to be sent to intercept at a cell, and for units to be
released back to patrol; and it hears of incidents by subscribing to them (:meth:`on_incident`):
the incident log tells it, one way, rather than the policy polling the log. Everything else of
the run (the dispatch centre, the router, the incident log, the model) stays out of its reach,
so a policy cannot come to depend on how the engine is put together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from polsim.engine.units import PURSUING

if TYPE_CHECKING:
    from polsim.cities.city import City
    from polsim.engine.clock import Clock
    from polsim.engine.dispatch import DispatchCentre
    from polsim.engine.field import AttractivenessField
    from polsim.engine.incident import Incident
    from polsim.engine.incident_log import IncidentLog
    from polsim.engine.metrics import RunMetrics
    from polsim.engine.router import Router
    from polsim.engine.units import Units
    from polsim.scenario.schema import PolicySpec

READS = ("options", "city", "units", "now", "hour", "a0", "crimes_by_cell", "random", "seed")
"""What a policy may read (see :class:`PolicyView`)."""
ASKS = ("free_units", "intercept", "release", "on_incident")
"""What a policy may ask for (see :class:`PolicyView`)."""


class PolicyView:
    """A run as a policy sees it: what it may read, and what it may ask for.

    Reads:
        options: the scenario's ``[policy]`` table (``PolicySpec``).
        city: the city (lattice, zones, grids, road layers); read-only.
        units: the units (``polsim.engine.units.Units``): positions, states, bases, zones and the
            unit types' columns; read them, never write them (ask instead).
        now: simulated minutes since the start; ``hour``: the hour of the day (0-23).
        a0: the baseline attractiveness of every cell (the risk an analyst knows beforehand).
        crimes_by_cell: the crimes recorded so far, by type and cell (type x rows x cols).
        random: the run's ``policy`` random stream (a ``numpy.random.Generator``): a policy
            that needs randomness beyond its patrol uniforms draws from it, so that seeded runs
            repeat on both backends.
        seed: the run's seed (to name or log what the policy does; draw from ``random``).

    Asks:
        free_units(): the units free to take a call now (a new mask).
        intercept(r, c, candidates): the nearest of ``candidates`` sent to cell (r, c) as a
            pursuing unit; its index, or -1 when none can reach it.
        release(units): those of ``units`` still pursuing go back to patrol, and the calls
            waiting are dispatched.
        on_incident(callback): ``callback(incident)`` for every incident opened from now on,
            at the end of the step it was opened in (its fields are then complete, its call
            time included; it may already be closed).
    """

    def __init__(self, options: PolicySpec, city: City, units: Units, clock: Clock, field: AttractivenessField,
                 metrics: RunMetrics, random: np.random.Generator, seed: int, dispatch: DispatchCentre,
                 router: Router, incidents: IncidentLog) -> None:
        self.options, self.city, self.units, self.random, self.seed = options, city, units, random, seed
        self._clock, self._field, self._metrics = clock, field, metrics
        self._dispatch, self._router, self._incidents = dispatch, router, incidents

    # -- reads ------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated minutes since the start."""
        return self._clock.env.now

    @property
    def hour(self) -> int:
        """Hour of the day (0-23) now."""
        return self._clock.hour

    @property
    def a0(self) -> np.ndarray:
        """The baseline attractiveness of every cell (``A0``)."""
        return self._field.a0

    @property
    def crimes_by_cell(self) -> np.ndarray:
        """The crimes recorded so far, by type and cell (a read-only view)."""
        out = self._metrics.crimes_by_cell.view()
        out.flags.writeable = False
        return out

    # -- asks -------------------------------------------------------------------------------
    def free_units(self) -> np.ndarray:
        """Units free to take a call now (a new mask the policy may change)."""
        return self._dispatch.available().copy()

    def intercept(self, r: int, c: int, candidates: np.ndarray) -> int:
        """Send the candidate that reaches (r, c) first there, pursuing; its index (-1: none can)."""
        unit, path = self._router.nearest(r, c, candidates, self._dispatch.congestion)
        if unit >= 0:
            self.units.pursue(unit, r, c, path)
        return unit

    def release(self, units: list[int]) -> None:
        """Units still pursuing go back to patrol; then the calls waiting are dispatched."""
        for unit in units:
            if self.units.state[unit] == PURSUING:
                self._dispatch.release(unit)
        self._dispatch.dispatch_waiting()

    def on_incident(self, callback: Callable[[Incident], None]) -> None:
        """Call ``callback(incident)`` for every incident opened from now on, at the end of its first step."""
        self._incidents.subscribe(callback)

    def __getattr__(self, name: str) -> Any:
        # only reached for a name the view lacks: most likely a policy written against the model
        raise AttributeError(
            f"a policy is handed a PolicyView, not the model, and it has no {name!r}: a policy may read "
            f"{', '.join(READS)} and ask for {', '.join(ASKS)} (docs/policies.md)")
