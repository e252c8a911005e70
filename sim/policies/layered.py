"""Layered zones: rapid-response, sub-bureau and station-district layers, dispatched in order."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from polsim.engine.areas import PatrolAreas
from polsim.policies.base import Policy
from polsim.policies.zones import area_centres, assign_balanced, tile_labels

if TYPE_CHECKING:
    from polsim.engine.incident import Incident
    from polsim.policies.view import PolicyView

RAPID, SUB_BUREAU, STATION = range(3)
NO_LAYER = -1


class LayeredZones(Policy):
    """Nanning's layered patrol: each kind of unit patrols its own layer of zones.

    Nanning (2019) stacks "city rapid-response zones, sub-bureau patrol zones, station
    patrol districts and the public": special police in 11 rapid-response zones, sub-bureau
    patrol forces in 31 zones, station forces in 148 districts, and 64 traffic booths that
    handle what happens within 200 m first ("梯次用警", forces used in echelons). Here the
    city is cut three times into ``policy.layer_zones`` near-square zones; strike vehicles
    patrol a rapid-response zone, patrol cars a sub-bureau zone, motorcycle squads (the
    stations' mobile patrol force) a station district, each unit the zone nearest its base
    (balanced). Community officers do community work, not layered patrol: they keep their
    own patrol. A call goes to the first echelon that has a free unit for it: fixed posts
    within their radius, then the motorcycle squads of its station district, the patrol
    cars of its sub-bureau zone, the strike vehicles of its rapid-response zone, and only
    then any free unit (nearest by travel time within the echelon).
    """

    name = "layered"
    LAYER_OF_KIND: ClassVar[dict[str, int]] = {
        "strike_vehicle": RAPID, "patrol_car": SUB_BUREAU, "motorcycle_squad": STATION,
    }

    def setup(self, view: PolicyView) -> None:
        """Cut the three layers of zones and give every layered unit its zone."""
        super().setup(view)
        m, city = view.units, view.city
        self.layer = np.array([self.LAYER_OF_KIND.get(kind, NO_LAYER) for kind in m.kind], np.int64)
        self.is_post = m.kind == "fixed_post"
        self.zones = [tile_labels(city.rows, city.cols, n) for n in view.options.layer_zones]
        self.layer_areas = [PatrolAreas(z, city.passable) for z in self.zones]
        self.zone_of_unit = np.full(len(m), -1, np.int64)
        for k, labels in enumerate(self.zones):
            who = np.flatnonzero(self.layer == k)
            centres = area_centres(labels, city.passable)
            self.zone_of_unit[who] = assign_balanced(m.base_r[who], m.base_c[who], centres)

    def patrol_targets(self, view: PolicyView, units: np.ndarray,
                       u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Layered units patrol random cells of their own zone; the others as usual."""
        tr, tc = super().patrol_targets(view, units, u)
        cols = view.city.cols
        for k, areas in enumerate(self.layer_areas):
            pick = self.layer[units] == k
            if pick.any():
                who = units[pick]
                home = view.units.base_r[who] * cols + view.units.base_c[who]
                flat = areas.draw_or(self.zone_of_unit[who], u[pick], home)
                tr[pick], tc[pick] = flat // cols, flat % cols
        return tr, tc

    def tiers(self, inc: Incident) -> list[np.ndarray]:
        """The units of each echelon for ``inc``, in the order they are asked."""
        own = [(self.layer == k) & (self.zone_of_unit == self.zones[k][inc.r, inc.c])
               for k in (STATION, SUB_BUREAU, RAPID)]
        return [self.is_post, *own]

    def eligible_units(self, view: PolicyView, inc: Incident, ok: np.ndarray) -> np.ndarray:
        """The free units of the first echelon that has one; any free unit after that."""
        for tier in self.tiers(inc):
            if (ok & tier).any():
                return ok & tier
        return ok

    def zone_units(self, view: PolicyView, inc: Incident) -> np.ndarray:
        """Units whose own zone (in their layer) holds the incident."""
        return np.logical_or.reduce(self.tiers(inc)[1:])
