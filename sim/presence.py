"""The presence rasters of a step: where police and guardians see, deter and can arrest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from polsim.rules.presence import deterrence_raster, move_disks

if TYPE_CHECKING:
    from polsim.model import PolicingModel


COUNT = np.int32
"""The type of the count rasters (agents seeing, deterring or able to arrest in a cell)."""


class Presence:
    """Rasters stamped once per step from unit and guardian positions.

    ``police_deter`` counts units deterring each cell (offenders read it as risk),
    ``police_sight`` units that would see a crime there (on-view detection, visibility),
    ``capture`` units able to arrest there, ``grid_workers``/``volunteers`` guardians in
    sight, and ``deterrence`` the exponent that lowers the crime rate (police, guardians
    and camera coverage).
    """

    def __init__(self, model: PolicingModel) -> None:
        city, units = model.city, model.units
        shape = (city.rows, city.cols)
        self.model = model
        # counts of agents in 32-bit integers: half the memory traffic of float64 at
        # city scale, where moving the disks and reading them is bound by memory, and the
        # same numbers (every use converts the count to float64 exactly)
        self._unit_planes = np.zeros((3, *shape), COUNT)
        self.police_deter, self.police_sight, self._unit_capture = self._unit_planes
        self._guardian_planes = np.zeros((2, *shape), COUNT)
        self.grid_workers, self.volunteers = self._guardian_planes
        self.capture = self._unit_capture
        self.deterrence = np.zeros(shape)
        self._no_risk = np.zeros(shape, COUNT)
        to_cells = np.vectorize(city.cells, otypes=[np.int64])
        self.unit_sight = to_cells(units.per_type("sight_m")).reshape(-1)
        self.unit_deter = to_cells(units.per_type("deter_m")).reshape(-1)
        can_arrest = units.per_type("can_arrest", bool)
        self.unit_capture = np.where(can_arrest, to_cells(units.per_type("capture_m")), -1)
        self.unit_capture = self.unit_capture.reshape(-1).astype(np.int64)
        g = model.scenario.spec.guardians
        guardians = model.guardians
        self.guardian_sight = np.full(len(guardians), city.cells(g.sight_m), np.int64)
        # each agent's disk radius in each plane (-1: no disk there)
        self._unit_radius = np.stack([self.unit_deter, self.unit_sight, self.unit_capture], axis=1)
        self._guardian_radius = np.stack([np.where(guardians.grid_worker, self.guardian_sight, -1),
                                          np.where(guardians.grid_worker, -1, self.guardian_sight)],
                                         axis=1)
        self._guardians_on = np.ones(len(guardians), bool)
        self._capture_sum = np.zeros(shape, COUNT)
        # where each agent's disks were last stamped (nothing stamped yet)
        self._unit_was = _Stamped(len(units))
        self._guardian_was = _Stamped(len(guardians))

    def stamp(self, on_duty: np.ndarray) -> None:
        """Bring every raster up to the current positions of on-duty units and guardians.

        Only the disks of agents that moved, came on or went off change: at city scale
        clearing and restamping five rasters every step cost more than the offenders' step.
        """
        spec = self.model.scenario.spec
        u, g = self.model.units, self.model.guardians
        self._unit_was.move(self._unit_planes, u.r, u.c, self._unit_radius, on_duty)
        # cells where the policy makes arrests possible without a unit (closed checkpoints)
        checkpoints = self.model.policy.checkpoint_cells(self.model)
        if isinstance(checkpoints, int | float) and checkpoints == 0:  # no checkpoints
            self.capture = self._unit_capture
        else:
            self.capture = np.add(self._unit_capture, checkpoints, out=self._capture_sum)
        self._guardian_was.move(self._guardian_planes, g.r, g.c, self._guardian_radius,
                                self._guardians_on)
        if spec.deterrence.enabled:
            deterrence_raster(self.deterrence, self.police_deter, self.grid_workers,
                              self.volunteers, self.model.city.camera, spec.deterrence.police,
                              spec.guardians.grid_worker_deterrence,
                              spec.guardians.volunteer_deterrence, spec.guardians.camera_deterrence)
        else:
            self.deterrence.fill(0.0)

    @property
    def risk(self) -> np.ndarray:
        """Police risk an offender perceives in each cell (units deterring it)."""
        return self.police_deter if self.model.scenario.spec.deterrence.enabled else self._no_risk


class _Stamped:
    """Where a group of agents stood, and which were on, when their disks were last stamped."""

    def __init__(self, n: int) -> None:
        self.r = np.zeros(n, np.int64)
        self.c = np.zeros(n, np.int64)
        self.on = np.zeros(n, bool)

    def move(self, planes: np.ndarray, r: np.ndarray, c: np.ndarray, radius: np.ndarray,
             on: np.ndarray) -> None:
        """Move the group's disks in ``planes`` to (``r``, ``c``) for the agents ``on``, and
        remember that as stamped (``move_disks`` writes it back)."""
        move_disks(planes, self.r, self.c, self.on, r, c, radius, on)
