"""Beat patrol: the city cut into a checkerboard of beats, one per patrolling unit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from polsim.engine.areas import PatrolAreas
from polsim.policies.base import Policy
from polsim.policies.zones import area_centres, assign_balanced, tile_labels

if TYPE_CHECKING:
    from polsim.engine.incident import Incident
    from polsim.policies.view import PolicyView


class BeatPatrol(Policy):
    """Checkerboard deployment: each ground unit owns one beat and patrols only inside it.

    Nantong (2020) "divides patrol areas on the basis of community grids, deploys police like
    a checkerboard and patrols as a network" to build the 1-3-5 minute response circles.
    Here the city is cut into as many near-square beats of equal area as there are ground
    units that patrol (fixed posts stay at their posts, drones keep their own patrol); each
    unit gets the beat nearest its base (a balanced assignment) and drives to random cells
    of it. Under zone-bound dispatch a call goes to the owner of its beat when it is free.
    Beats spread patrol evenly, so no cell is treated more than another.
    """

    name = "beat"

    def setup(self, view: PolicyView) -> None:
        """Cut the beats and give one to every patrolling ground unit."""
        super().setup(view)
        m, city = view.units, view.city
        self.owns = (self.style != "stay") & ~m.flies
        owners = np.flatnonzero(self.owns)
        self.beat_of_unit = np.full(len(m), -1, np.int64)
        self.beats = tile_labels(city.rows, city.cols, max(len(owners), 1))
        centres = area_centres(self.beats, city.passable)
        self.beat_of_unit[owners] = assign_balanced(m.base_r[owners], m.base_c[owners], centres)
        self.beat_areas = PatrolAreas(self.beats, city.passable)

    def patrol_targets(self, view: PolicyView, units: np.ndarray,
                       u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Beat owners go to a random cell of their beat; the others patrol as usual."""
        tr, tc = super().patrol_targets(view, units, u)
        mine = self.owns[units]
        if mine.any():
            cols = view.city.cols
            who = units[mine]
            home = view.units.base_r[who] * cols + view.units.base_c[who]
            flat = self.beat_areas.draw_or(self.beat_of_unit[who], u[mine], home)
            tr[mine], tc[mine] = flat // cols, flat % cols
        return tr, tc

    def zone_units(self, view: PolicyView, inc: Incident) -> np.ndarray:
        """The owner of the incident's beat."""
        return self.beat_of_unit == self.beats[inc.r, inc.c]
