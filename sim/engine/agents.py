"""Mesa agents for the ``mesa`` backend: each is a view onto one row of the state arrays.

An agent's ``step`` calls the same compiled rule the ``numba`` backend runs in a loop, on its
own row, so both backends give the same trajectories. Subclass an agent and override
``step`` to try a different rule on a small run. Each agent is a ``mesa.discrete_space.CellAgent``
standing in its cell of the model's grid (:class:`polsim.engine.space.CitySpace`): ``agent.cell`` is
that Mesa cell (equal to its ``(row, col)``), ``agent.pos`` its coordinate, both as of the end
of the last step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import CellAgent

from polsim.engine.units import UNIT_STATES
from polsim.rules.movement import guardian_row, unit_row
from polsim.rules.offender import OFFENDER_STATUS, offender_row

if TYPE_CHECKING:
    from polsim.model import PolicingModel

class RowAgent(CellAgent):
    """An agent whose state is row ``index`` of one of the model's state arrays."""

    model: PolicingModel

    def __init__(self, model: PolicingModel, index: int) -> None:
        super().__init__(model)
        self.index = index


class Offender(RowAgent):
    """A motivated offender: walks toward attractive cells, offends, flees, may be arrested."""

    @property
    def status(self) -> str:
        """walking, fleeing, jailed or inactive."""
        return OFFENDER_STATUS[self.model.offenders.status[self.index]]

    def step(self) -> None:
        """One step of the offender rule on this offender's row."""
        offender_row(self.index, self.model.backend.row_args.offenders)


class PoliceUnit(RowAgent):
    """A police unit (patrol car, motorcycle squad, officer on foot, post, drone...)."""

    @property
    def unit_type(self) -> str:
        """Name of the unit's type in the scenario."""
        u = self.model.units
        return u.type_names[u.type_idx[self.index]]

    @property
    def state(self) -> str:
        """patrolling, dispatched, on_scene, pursuing, returning or off_shift."""
        return UNIT_STATES[self.model.units.state[self.index]]

    def step(self) -> None:
        """Move toward the current target."""
        unit_row(self.index, self.model.backend.row_args.units)


class Guardian(RowAgent):
    """A grid worker or volunteer: walks its grid, deters and reports what it sees."""

    @property
    def is_grid_worker(self) -> bool:
        """Grid worker (True) or volunteer (False)."""
        return bool(self.model.guardians.grid_worker[self.index])

    def step(self) -> None:
        """A step of the guardian walk inside its grid."""
        guardian_row(self.index, self.model.backend.row_args.guardians)
