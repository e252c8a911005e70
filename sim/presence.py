"""The presence rasters of a step: where police and guardians see, deter and can arrest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.rules.presence import stamp_disks

if TYPE_CHECKING:
    from sim.model import PolicingModel


class Presence:
    """Rasters stamped once per step from unit and guardian positions.

    ``police_deter`` counts units deterring each cell (offenders read it as risk),
    ``police_sight`` units that would see a crime there (on-view detection, visibility),
    ``capture`` units able to arrest there, ``grid_workers``/``volunteers`` guardians in
    sight, and ``deterrence`` the exponent that lowers the crime rate.
    """

    def __init__(self, model: PolicingModel) -> None:
        city, units = model.city, model.units
        shape = (city.rows, city.cols)
        self.model = model
        self.police_deter = np.zeros(shape)
        self.police_sight = np.zeros(shape)
        self.capture = np.zeros(shape)
        self.grid_workers = np.zeros(shape)
        self.volunteers = np.zeros(shape)
        self.deterrence = np.zeros(shape)
        to_cells = np.vectorize(city.cells, otypes=[np.int64])
        self.unit_sight = to_cells(units.per_type("sight_m")).reshape(-1)
        self.unit_deter = to_cells(units.per_type("deter_m")).reshape(-1)
        can_arrest = units.per_type("can_arrest", bool)
        self.unit_capture = np.where(can_arrest, to_cells(units.per_type("capture_m")), -1)
        self.unit_capture = self.unit_capture.reshape(-1).astype(np.int64)
        g = model.scenario.spec.guardians
        guardians = model.guardians
        self.guardian_sight = np.full(len(guardians), city.cells(g.sight_m), np.int64)

    def stamp(self, on_duty: np.ndarray) -> None:
        """Recompute every raster from the current positions of on-duty units and guardians."""
        spec = self.model.scenario.spec
        u, g = self.model.units, self.model.guardians
        ones_u = np.ones(len(u))
        for raster, radius in ((self.police_deter, self.unit_deter),
                               (self.police_sight, self.unit_sight),
                               (self.capture, self.unit_capture)):
            raster.fill(0.0)
            stamp_disks(raster, u.r, u.c, radius, ones_u, on_duty)
        # cells where the policy makes arrests possible without a unit (closed checkpoints)
        self.capture += self.model.policy.checkpoint_cells(self.model)
        ones_g = np.ones(len(g))
        self.grid_workers.fill(0.0)
        stamp_disks(self.grid_workers, g.r, g.c, self.guardian_sight, ones_g, g.grid_worker)
        self.volunteers.fill(0.0)
        stamp_disks(self.volunteers, g.r, g.c, self.guardian_sight, ones_g, ~g.grid_worker)
        if spec.deterrence.enabled:
            np.multiply(self.police_deter, spec.deterrence.police, out=self.deterrence)
            self.deterrence += spec.guardians.grid_worker_deterrence * self.grid_workers
            self.deterrence += spec.guardians.volunteer_deterrence * self.volunteers
        else:
            self.deterrence.fill(0.0)

    @property
    def risk(self) -> np.ndarray:
        """Police risk an offender perceives in each cell (units deterring it)."""
        return self.police_deter if self.model.scenario.spec.deterrence.enabled else self.deterrence
