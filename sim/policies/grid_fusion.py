"""Grid-police fusion: community officers take the minor calls of their district, vehicles the serious."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from polsim.policies.base import Policy

if TYPE_CHECKING:
    from polsim.engine.incident import Incident
    from polsim.policies.view import PolicyView


class GridFusion(Policy):
    """Nantong's "grid and police fusion" (警网融合): one district one officer, one grid many workers.

    Nantong (2020) pairs each of its 922 community officers with the full-time workers of
    the grids of their police district (9,162 grids, one worker each, 63,000 volunteers) so
    that the grid is "the first sensor of risk and the first place disputes are resolved";
    Gui'an (2023) sends dispute calls to the duty officer and then the community officer.
    Here grid workers detect, report and mediate as the engine's guardian rules say, and
    the dispatch centre follows the fusion's division of labour: a dispute or any other
    call that is not serious goes to a free community officer of the incident's police
    district when there is one; serious calls (robbery, assault, escalated disputes) go to
    vehicles. When the preferred units are all busy any free unit goes, so no call waits
    for a particular officer. Patrol is unchanged: officers walk the grids of their district.
    """

    name = "grid_fusion"

    def setup(self, view: PolicyView) -> None:
        """Tell community officers from vehicles."""
        super().setup(view)
        m = view.units
        self.officer = m.kind == "community_officer"
        self.vehicle = ~self.officer & (m.kind != "fixed_post") & ~m.flies

    def eligible_units(self, view: PolicyView, inc: Incident, ok: np.ndarray) -> np.ndarray:
        """Minor calls: the district's community officers first; serious calls: vehicles first."""
        if inc.serious or inc.escalated:
            prefer = self.vehicle
        else:
            prefer = self.officer & (view.units.zone == view.city.station_id[inc.r, inc.c])
        return ok & prefer if (ok & prefer).any() else ok
