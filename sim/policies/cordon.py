"""Cordon: on a robbery or assault the nearest idle units close a ring around it; checkpoints close."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from polsim.policies.base import Policy

if TYPE_CHECKING:
    from polsim.engine.incident import Incident
    from polsim.policies.view import PolicyView

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

    def setup(self, view: PolicyView) -> None:
        """Read the options and find the checkpoint cells and the nearest passable cell of each."""
        super().setup(view)
        opts, city, m = view.options, view.city, view.units
        self.crimes = set(opts.cordon_crimes)
        self.radius = city.cells(opts.cordon_radius_m)
        self.n_units = opts.cordon_units
        self.minutes = opts.cordon_min
        self.can_hold = m.can_arrest & (self.style != "stay")
        _, self.nearest = ndimage.distance_transform_edt(~city.passable, return_indices=True)
        # a count raster, like the capture raster the checkpoints are added to
        self.checkpoints = city.checkpoints.astype(np.int32)
        self.pending: list[Incident] = []
        self.active: list[ActiveCordon] = []
        view.on_incident(self.opened)

    def opened(self, inc: Incident) -> None:
        """A new incident (told by the incident log): a crime of a cordon type waits for its call."""
        if inc.kind in self.crimes and inc.offender >= 0:
            self.pending.append(inc)

    def on_step(self, view: PolicyView) -> None:
        """Lift cordons whose time is up, then close one for every new call of a cordon crime."""
        now = view.now
        for cordon in [c for c in self.active if c.until <= now]:
            self.lift(view, cordon)
        called = [inc for inc in self.pending if inc.t_call <= now]
        self.pending = [inc for inc in self.pending if inc.t_call > now]
        for inc in called:
            self.close_ring(view, inc)

    def interception_cells(self, view: PolicyView, r: int, c: int) -> np.ndarray:
        """The ring's interception cells around (r, c): passable, inside the city, in order."""
        city = view.city
        pts = np.array([r, c]) + RING_DIRECTIONS[: self.n_units] * self.radius
        pr = np.clip(pts[:, 0], 0, city.rows - 1)
        pc = np.clip(pts[:, 1], 0, city.cols - 1)
        return np.stack([self.nearest[0][pr, pc], self.nearest[1][pr, pc]], axis=1)

    def close_ring(self, view: PolicyView, inc: Incident) -> None:
        """Send the nearest idle units able to arrest to the interception cells."""
        free = view.free_units() & self.can_hold
        sent = []
        for tr, tc in self.interception_cells(view, inc.r, inc.c):
            if not free.any():
                break
            j = view.intercept(int(tr), int(tc), free)
            if j < 0:
                break
            free[j] = False
            sent.append(j)
        self.active.append(ActiveCordon(inc.id, sent, inc.t_call + self.minutes))

    def lift(self, view: PolicyView, cordon: ActiveCordon) -> None:
        """The cordon's units go back to patrol (and to waiting calls)."""
        self.active.remove(cordon)
        view.release(cordon.units)

    def checkpoint_cells(self, view: PolicyView) -> np.ndarray | float:
        """The checkpoints while any cordon is up."""
        return self.checkpoints if self.active else 0.0

