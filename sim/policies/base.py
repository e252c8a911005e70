"""The policy interface: where idle units go, which units may take a call, what is treated.

A policy is a small class. The engine asks it, each step, for patrol targets of the units
that have none, lets it veto units for a call (``eligible_units``) and asks which cells it
treats (where it concentrates patrol), for the displacement measure. Every hook is handed a
:class:`~polsim.policies.view.PolicyView`, never the model: what the policy may read of the
run and what it may ask for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from polsim.engine.areas import PatrolAreas

if TYPE_CHECKING:
    from polsim.engine.incident import Incident
    from polsim.policies.view import PolicyView


class Policy:
    """Base policy: units patrol their own area at random; dispatch follows the scenario.

    Subclasses override :meth:`patrol_targets` (and optionally :meth:`on_step`,
    :meth:`eligible_units`, :meth:`treated_cells`). The dispatch rule is the scenario's
    (``dispatch.rule``), not the policy's; a policy is built without arguments.
    """

    name: ClassVar[str] = "base"

    def setup(self, view: PolicyView) -> None:
        """Called once the run is built: precompute patrol areas (and subscribe to incidents)."""
        city = view.city
        self.areas = {
            "roam": PatrolAreas(np.zeros_like(city.grid_id), city.passable),
            "zone": PatrolAreas(city.station_id, city.passable),
            "grid": PatrolAreas(city.grid_id, city.passable),
        }
        self.style = view.units.patrol
        # every unit's own patrol area, as a label in one table of all of them: the base
        # draw is then one vectorised pick whatever the mix of patrol styles
        m = view.units
        own = {"roam": (self.areas["roam"], np.zeros(len(m), np.int64)),
               "zone": (self.areas["zone"], m.zone), "grid": (self.areas["grid"], m.grid),
               "stay": (PatrolAreas.single_cells(m.base_r * city.cols + m.base_c), np.arange(len(m)))}
        self._own_areas, offsets = PatrolAreas.joined([areas for areas, _ in own.values()])
        self._own_area = np.zeros(len(m), np.int64)
        for offset, (style, (_, label)) in zip(offsets, own.items(), strict=True):
            pick = self.style == style
            self._own_area[pick] = offset + label[pick]

    def on_step(self, view: PolicyView) -> None:
        """Called at the start of every step (re-planning goes here)."""

    def patrol_targets(self, view: PolicyView, units: np.ndarray,
                       u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Target cells (rows, cols) for idle ``units`` that need one; ``u`` one uniform each."""
        return np.divmod(self._own_areas.draw(self._own_area[units], u), view.city.cols)

    def eligible_units(self, view: PolicyView, inc: Incident, ok: np.ndarray) -> np.ndarray:
        """Units allowed to take ``inc`` (default: every available capable unit)."""
        return ok

    def treated_cells(self, view: PolicyView) -> np.ndarray:
        """Cells where this policy concentrates patrol (none for undirected patrol)."""
        return np.zeros((view.city.rows, view.city.cols), bool)

    def zone_units(self, view: PolicyView, inc: Incident) -> np.ndarray:
        """Units whose own zone holds ``inc``: the ones zone-bound dispatch tries first.

        Default: the units based in the incident's police-station area. A policy that gives
        units other areas (beats, layered zones) answers with those.
        """
        return view.units.zone == view.city.station_id[inc.r, inc.c]

    def checkpoint_cells(self, view: PolicyView) -> np.ndarray | float:
        """Cells where a fleeing offender can be arrested with no unit there (0: none).

        Read once a step when the presence rasters are stamped, and added to the capture
        raster; a policy that closes checkpoints returns them as a 0/1 integer raster.
        """
        return 0


class RandomPatrol(Policy):
    """Random preventive patrol, the baseline: idle units drive to random cells of their area.

    Each unit type patrols the area its ``patrol`` field names (the whole city, its station
    zone, its grid, or its base for fixed posts), picking a uniformly random cell, going
    there, and picking again: the classic random preventive patrol that directed policies
    are measured against.
    """

    name = "random"
