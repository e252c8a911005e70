"""Motorcycle rapid response: squads staged at the centres of their zones, first to serious calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from polsim.policies.base import Policy
from polsim.policies.zones import area_centres, assign_balanced, tile_labels

if TYPE_CHECKING:
    from polsim.engine.incident import Incident
    from polsim.policies.view import PolicyView


class MotorcycleRapid(Policy):
    """Motorcycle squads of four staged at zone centres and sent first to serious calls.

    Nantong's "black knights" (2020: 50 police motorcycles, "four bikes a group, armed
    patrol") and Wuxi's "iron eagle" squads (2021), like Nanning's ~800 motorcycles, are a
    rapid-response force that beats traffic. Here the city is cut into as many equal zones
    as there are squads; each squad (a ``motorcycle_squad`` unit, four riders) is given the
    zone nearest its base and, when idle, waits at that zone's centre, from where every
    point of its zone is closest. Serious calls (robbery, assault, escalated disputes) go
    to the nearest free squad when any is free; other calls and other units are unchanged.
    The treated cells are the staging cells.
    """

    name = "motorcycle_rapid"

    def setup(self, view: PolicyView) -> None:
        """Cut one zone per squad and stage each squad at the centre of its own."""
        super().setup(view)
        m, city = view.units, view.city
        self.squad = m.kind == "motorcycle_squad"
        squads = np.flatnonzero(self.squad)
        self.stage_r, self.stage_c = m.base_r.copy(), m.base_c.copy()
        if squads.size:
            centres = area_centres(tile_labels(city.rows, city.cols, squads.size), city.passable)
            zone = assign_balanced(m.base_r[squads], m.base_c[squads], centres)
            self.stage_r[squads], self.stage_c[squads] = centres[zone, 0], centres[zone, 1]

    def patrol_targets(self, view: PolicyView, units: np.ndarray,
                       u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Squads go to (and wait at) their staging cell; the others patrol as usual."""
        tr, tc = super().patrol_targets(view, units, u)
        sq = self.squad[units]
        tr[sq], tc[sq] = self.stage_r[units[sq]], self.stage_c[units[sq]]
        return tr, tc

    def eligible_units(self, view: PolicyView, inc: Incident, ok: np.ndarray) -> np.ndarray:
        """Serious calls: the free squads, when there is one."""
        if (inc.serious or inc.escalated) and (ok & self.squad).any():
            return ok & self.squad
        return ok

    def treated_cells(self, view: PolicyView) -> np.ndarray:
        """The staging cells."""
        out = np.zeros((view.city.rows, view.city.cols), bool)
        out[self.stage_r[self.squad], self.stage_c[self.squad]] = True
        return out
