"""Cordon: on a robbery or assault the nearest idle units close a ring around it; checkpoints close."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from polsim.policies.base import Policy
from polsim.units import PURSUING

if TYPE_CHECKING:
    from polsim.incident import Incident
    from polsim.model import PolicingModel

# Interception points as unit directions: the four streets out of the scene first (offenders
# flee along the street axes), then the diagonals.
RING_DIRECTIONS = np.array([(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (-1, 1), (1, -1)])


@dataclass
class ActiveCordon:
    """One cordon: the incident it answers, the units holding it and when it lifts."""

    incident: int
    units: list[int]
    until: float


class Cordon(Policy):
    """Cordons and checkpoints ("围追堵截", "关城门"), on its own or added to any policy (``hotspot+cordon``).

    Nanning (2019): on a serious incident the command centre "sets several rings of area
    control" and sends armed patrol groups to "chase, intercept and block"; the checkpoints
    around the city "close the city gates". Its example: an assault caught 8 minutes after
    the crime by the workstation outside the scene. Here, when the call for a crime of a type
    in ``policy.cordon_crimes`` (robbery and assault) reaches the centre, the
    ``policy.cordon_units`` nearest idle units that can arrest are sent (state ``pursuing``)
    to interception cells on a ring of ``policy.cordon_radius_m`` around the scene, first the
    four streets out of it, where a fleeing offender runs; and the checkpoints where the
    major roads leave the city (``city.checkpoints``) close. A fleeing offender standing in a unit's capture
    radius or on a closed checkpoint can be arrested (the engine's capture rule). After
    ``policy.cordon_min`` minutes the units go back to patrol and, with no other cordon up,
    the checkpoints open. The engine records the time from each crime to its arrest.
    """

    name = "cordon"

    def setup(self, model: PolicingModel) -> None:
        """Read the options and find the checkpoint cells and the nearest passable cell of each."""
        super().setup(model)
        opts, city, m = model.spec.policy, model.city, model.units
        self.crimes = set(opts.cordon_crimes)
        self.radius = city.cells(opts.cordon_radius_m)
        self.n_units = opts.cordon_units
        self.minutes = opts.cordon_min
        self.can_hold = m.can_arrest & (self.style != "stay")
        _, self.nearest = ndimage.distance_transform_edt(~city.passable, return_indices=True)
        # a count raster, like the capture raster the checkpoints are added to
        self.checkpoints = city.checkpoints.astype(np.int32)
        self.scanned = 0
        self.pending: list[Incident] = []
        self.active: list[ActiveCordon] = []

    def on_step(self, model: PolicingModel) -> None:
        """Lift cordons whose time is up, then close one for every new call of a cordon crime."""
        now = model.now
        for cordon in [c for c in self.active if c.until <= now]:
            self.lift(model, cordon)
        for inc_id in range(self.scanned, len(model.incidents)):
            # read, not get: an incident seen on view may have closed (and been archived) in
            # the step it was created in, before this first look at it
            inc = model.incidents.read(inc_id)
            if inc.kind in self.crimes and inc.offender >= 0:
                self.pending.append(inc)
        self.scanned = len(model.incidents)
        called = [inc for inc in self.pending if inc.t_call <= now]
        self.pending = [inc for inc in self.pending if inc.t_call > now]
        for inc in called:
            self.close_ring(model, inc)

    def interception_cells(self, model: PolicingModel, r: int, c: int) -> np.ndarray:
        """The ring's interception cells around (r, c): passable, inside the city, in order."""
        city = model.city
        pts = np.array([r, c]) + RING_DIRECTIONS[: self.n_units] * self.radius
        pr = np.clip(pts[:, 0], 0, city.rows - 1)
        pc = np.clip(pts[:, 1], 0, city.cols - 1)
        return np.stack([self.nearest[0][pr, pc], self.nearest[1][pr, pc]], axis=1)

    def close_ring(self, model: PolicingModel, inc: Incident) -> None:
        """Send the nearest idle units able to arrest to the interception cells."""
        m = model.units
        free = model.dispatch.available() & self.can_hold
        sent = []
        for tr, tc in self.interception_cells(model, inc.r, inc.c):
            if not free.any():
                break
            j, path = model.router.nearest(int(tr), int(tc), free, model.dispatch.congestion)
            if j < 0:
                break
            free[j] = False
            m.pursue(j, int(tr), int(tc), path)
            sent.append(j)
        self.active.append(ActiveCordon(inc.id, sent, inc.t_call + self.minutes))

    def lift(self, model: PolicingModel, cordon: ActiveCordon) -> None:
        """The cordon's units go back to patrol (and to waiting calls)."""
        self.active.remove(cordon)
        for j in cordon.units:
            if model.units.state[j] == PURSUING:
                model.dispatch.release(j)
        model.dispatch.dispatch_waiting()

    def checkpoint_cells(self, model: PolicingModel) -> np.ndarray | float:
        """The checkpoints while any cordon is up."""
        return self.checkpoints if self.active else 0.0

