"""The presence rasters of a step: where police and guardians see, deter and can arrest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from polsim.engine.units import OFF_SHIFT
from polsim.rules.presence import deterrence_raster, move_disks
from polsim.scenario.schema import DeterrenceSpec, GuardianSpec

if TYPE_CHECKING:
    from polsim.cities.city import City
    from polsim.engine.guardians import Guardians
    from polsim.engine.units import Units


COUNT = np.int32
"""The type of the count rasters (agents seeing, deterring or able to arrest in a cell)."""


class Presence:
    """Rasters stamped once per step from unit and guardian positions.

    ``police_deter`` counts units deterring each cell (offenders read it as risk),
    ``police_sight`` units that would see a crime there (on-view detection, visibility),
    ``capture`` units able to arrest there (plus closed checkpoints), ``grid_workers`` /
    ``volunteers`` guardians in sight, and ``deterrence`` the exponent that lowers the crime
    rate (police, guardians and camera coverage).
    """

    def __init__(self, city: City, units: Units, guardians: Guardians, guardian_spec: GuardianSpec,
                 deterrence_spec: DeterrenceSpec) -> None:
        shape = (city.rows, city.cols)
        self.units, self.guardians = units, guardians
        self.camera = city.camera
        self.guardian_spec, self.deterrence_spec = guardian_spec, deterrence_spec
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
        # each agent's disk radius in each plane (-1: no disk there)
        self._unit_radius = np.stack([units.deter_cells, units.sight_cells, units.capture_cells], axis=1)
        sight = city.cells(guardian_spec.sight_m)
        self._guardian_radius = np.stack([np.where(guardians.grid_worker, sight, -1),
                                          np.where(guardians.grid_worker, -1, sight)], axis=1).astype(np.int64)
        self._guardians_on = np.ones(len(guardians), bool)
        self._capture_sum = np.zeros(shape, COUNT)
        # where each agent's disks were last stamped (nothing stamped yet)
        self._unit_was = _Stamped(len(units))
        self._guardian_was = _Stamped(len(guardians))

    def stamp(self, on_duty: np.ndarray, checkpoints: np.ndarray | float = 0) -> None:
        """Bring every raster up to the current positions of on-duty units and guardians;
        ``checkpoints`` (a 0/1 raster, or 0 for none) can arrest with no unit there.

        Only the disks of agents that moved, came on or went off change: at city scale
        clearing and restamping five rasters every step cost more than the offenders' step.
        """
        u, g = self.units, self.guardians
        self._unit_was.move(self._unit_planes, u.r, u.c, self._unit_radius, on_duty)
        if isinstance(checkpoints, int | float) and checkpoints == 0:  # no checkpoints
            self.capture = self._unit_capture
        else:
            self.capture = np.add(self._unit_capture, checkpoints, out=self._capture_sum)
        self._guardian_was.move(self._guardian_planes, g.r, g.c, self._guardian_radius, self._guardians_on)
        if self.deterrence_spec.enabled:
            gs = self.guardian_spec
            deterrence_raster(self.deterrence, self.police_deter, self.grid_workers, self.volunteers,
                              self.camera, self.deterrence_spec.police, gs.grid_worker_deterrence,
                              gs.volunteer_deterrence, gs.camera_deterrence)
        else:
            self.deterrence.fill(0.0)

    @property
    def risk(self) -> np.ndarray:
        """Police risk an offender perceives in each cell (units deterring it)."""
        return self.police_deter if self.deterrence_spec.enabled else self._no_risk

    def unit_seeing(self, r: int, c: int) -> int:
        """The nearest on-duty unit whose sight covers (r, c), or -1."""
        if self.police_sight[r, c] <= 0:
            return -1
        u = self.units
        d2 = (u.r - r) ** 2 + (u.c - c) ** 2
        sees = (d2 <= u.sight_cells ** 2) & (u.state != OFF_SHIFT)
        if not sees.any():
            return -1
        return int(np.argmin(np.where(sees, d2, np.iinfo(np.int64).max)))


class _Stamped:
    """Where a group of agents stood, and which were on, when their disks were last stamped."""

    def __init__(self, n: int) -> None:
        self.r = np.zeros(n, np.int64)
        self.c = np.zeros(n, np.int64)
        self.on = np.zeros(n, bool)

    def move(self, planes: np.ndarray, r: np.ndarray, c: np.ndarray, radius: np.ndarray,
             on: np.ndarray) -> None:
        """Move the group's disks in ``planes`` to (``r``, ``c``) for the agents ``on``, and
        remember that as stamped (``move_disks`` writes it back).
        """
        move_disks(planes, self.r, self.c, self.on, r, c, radius, on)
