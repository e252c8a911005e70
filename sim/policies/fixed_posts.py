"""Fixed posts: every unit stands by at its base (workstation, booth, station) and waits for calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from polsim.policies.base import Policy
from polsim.rules.presence import stamp_disks

if TYPE_CHECKING:
    from polsim.policies.view import PolicyView


class FixedPosts(Policy):
    """Static deployment: units stand at workstations, fixed posts and traffic booths.

    Nanning (2019) puts armed officers at 10 fixed guard points, turns 64 traffic booths into
    street disposal points that handle every incident within 200 m, and opens police
    workstations where officers stand by. Here every unit (drones excepted: they keep their
    own patrol) goes back to its base and stays there until dispatched; a unit type with a
    ``response_radius_m`` (the built-in ``fixed_post``, 200 m) only takes calls within that
    radius of its post, which the dispatch centre already enforces. The treated cells are
    the cells the standing units deter, around their posts.
    """

    name = "fixed_posts"

    def setup(self, view: PolicyView) -> None:
        """Mark the ground units that stand at their bases."""
        super().setup(view)
        self.stands = ~view.units.flies

    def patrol_targets(self, view: PolicyView, units: np.ndarray,
                       u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Standing units go to (or stay at) their base; the others patrol as usual."""
        tr, tc = super().patrol_targets(view, units, u)
        stand = self.stands[units]
        tr[stand], tc[stand] = view.units.base_r[units[stand]], view.units.base_c[units[stand]]
        return tr, tc

    def treated_cells(self, view: PolicyView) -> np.ndarray:
        """The cells the standing units deter, around their posts."""
        m = view.units
        raster = np.zeros((view.city.rows, view.city.cols))
        stamp_disks(raster, m.base_r, m.base_c, m.deter_cells, np.ones(len(m)), self.stands)
        return raster > 0
