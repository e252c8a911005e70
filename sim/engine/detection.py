"""Who detects a crime first, and when the call reaches the dispatch centre.

Candidates race: a unit that sees it (on view, at once), a camera, a grid worker or a
volunteer in sight (fast, then relayed to dispatch), a witness (more likely where footfall
is high) and the victim (by crime type). The earliest wins; nobody may notice at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from polsim.scenario.schema import CrimeType, GuardianSpec

if TYPE_CHECKING:
    from polsim.cities.city import City
    from polsim.engine.clock import Clock
    from polsim.engine.presence import Presence

N_DRAWS = 11
"""Uniform draws per crime: a chance and a delay for each of five detectors, and the service time."""
SERVICE_DRAW = 10


@dataclass(frozen=True)
class Detection:
    """The first detector, the time it noticed, when dispatch got the call, and who saw it."""

    detector: str
    t_detect: float
    t_call: float
    on_view_unit: int = -1


def exponential(mean: float, u: float) -> float:
    """An exponential delay with the given mean from a uniform draw (inverse CDF)."""
    return -mean * np.log1p(-u) if mean > 0 else 0.0


class Detector:
    """Decides the detection of each crime from what stands around it.

    Args:
        guardians: the guardians' detection chances and delays, and the witness rate.
        relay_min: minutes for a guardian's or camera's report to reach dispatch.
        city: cameras and footfall.
        presence: the step's rasters of who sees where, and the nearest unit seeing a cell.
        clock: the hour of day (footfall follows it).
        can_take: whether a unit that saw a crime may take it at once (free and responding).
    """

    def __init__(self, guardians: GuardianSpec, relay_min: float, city: City, presence: Presence,
                 clock: Clock, can_take: Callable[[int], bool]) -> None:
        self.guardians, self.relay_min = guardians, relay_min
        self.city, self.presence, self.clock, self.can_take = city, presence, clock, can_take

    def detect(self, r: int, c: int, t: float, crime: CrimeType, u: np.ndarray) -> Detection | None:
        """The detection of a crime at (r, c) at time ``t`` from the draws ``u``, or None if
        it goes unreported.
        """
        relay = self.relay_min
        seen_by = self.presence.unit_seeing(r, c)
        if seen_by >= 0:
            if self.can_take(seen_by):
                return Detection("on_view", t, t, seen_by)
            return Detection("on_view", t, t + relay)
        g, p = self.guardians, self.presence
        footfall = self.city.footfall_at(r, c, self.clock.hour)
        chances = (
            ("camera", float(self.city.camera[r, c]) * g.camera_detects, g.camera_delay_min, relay),
            ("grid_worker", 1 - (1 - g.grid_worker_detects) ** p.grid_workers[r, c],
             g.grid_worker_delay_min, relay),
            ("volunteer", 1 - (1 - g.volunteer_detects) ** p.volunteers[r, c],
             g.volunteer_delay_min, relay),
            ("witness", 1 - np.exp(-g.witness_rate * footfall), g.witness_delay_min, 0.0),
            ("victim", crime.report_probability, crime.report_delay_min, 0.0),
        )
        best = None
        for k, (who, chance, mean_delay, to_call) in enumerate(chances):
            if u[2 * k] < chance:
                t_detect = t + exponential(mean_delay, u[2 * k + 1])
                if best is None or t_detect < best.t_detect:
                    best = Detection(who, t_detect, t_detect + to_call)
        return best
