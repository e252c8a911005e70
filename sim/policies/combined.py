"""Policies added together (``hotspot+cordon``): the first plans patrol, all of them act."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from polsim.policies.base import Policy

if TYPE_CHECKING:
    from polsim.engine.incident import Incident
    from polsim.policies.view import PolicyView


class Combined(Policy):
    """Several policies at once, written ``a+b``; the first is the primary one.

    The primary policy decides where idle units patrol and which units count as a zone's
    own. Every part re-plans each step (in the order given), narrows the units eligible for
    a call in turn (a part whose choice would leave no unit is skipped, so combining never
    strands a call), adds its treated cells and closes its checkpoints. Add-ons such as
    ``cordon`` act through those hooks and leave patrol to the primary.
    """

    name = "combined"

    def __init__(self, parts: Sequence[Policy]) -> None:
        if len(parts) < 2:
            raise ValueError("a combined policy needs at least two parts")
        self.parts = list(parts)
        self.label = "+".join(getattr(p, "label", p.name) for p in self.parts)

    def setup(self, view: PolicyView) -> None:
        """Set every part up."""
        for part in self.parts:
            part.setup(view)

    def on_step(self, view: PolicyView) -> None:
        """Every part re-plans, in order."""
        for part in self.parts:
            part.on_step(view)

    def patrol_targets(self, view: PolicyView, units: np.ndarray,
                       u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The primary policy's patrol."""
        return self.parts[0].patrol_targets(view, units, u)

    def eligible_units(self, view: PolicyView, inc: Incident, ok: np.ndarray) -> np.ndarray:
        """Each part narrows the eligible units in turn, unless it would leave none."""
        for part in self.parts:
            narrowed = part.eligible_units(view, inc, ok)
            if narrowed.any():
                ok = narrowed
        return ok

    def treated_cells(self, view: PolicyView) -> np.ndarray:
        """Cells any part treats."""
        return np.logical_or.reduce([p.treated_cells(view) for p in self.parts])

    def zone_units(self, view: PolicyView, inc: Incident) -> np.ndarray:
        """The primary policy's zones."""
        return self.parts[0].zone_units(view, inc)

    def checkpoint_cells(self, view: PolicyView) -> np.ndarray | float:
        """Checkpoints any part has closed."""
        return sum((p.checkpoint_cells(view) for p in self.parts), 0)
