"""The two backends that drive the rules: ``mesa`` (an agent per row) and ``numba`` (loops).

Both hand every rule the same named arguments, the step's :class:`StepInputs` (``model.step_args``),
so they differ only in who calls the rule for each row: a ``mesa.Agent.step`` or a compiled loop. The loops live
beside their rules (``sim/rules/``): Numba's on-disk cache is keyed on the file that defines
a compiled function, so a loop in another file would keep running an edited rule's old code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from polsim.engine.agents import Guardian, Offender, PoliceUnit
from polsim.engine.space import CitySpace
from polsim.rules.movement import GuardianMoveArgs, UnitMoveArgs, guardians_loop, units_loop
from polsim.rules.offender import OffenderArgs, offenders_loop, offenders_loop_serial, prefetch_ahead

if TYPE_CHECKING:
    from polsim.model import PolicingModel


class StepInputs(NamedTuple):
    """What a step hands the backends: the arguments of each rule, built by the model once a step.

    Each is the flat named tuple its compiled rule takes, holding the owners' own arrays (the
    rules write positions and states in place): ``offenders`` for
    :func:`polsim.rules.offender.offender_step`, ``units`` for
    :func:`polsim.rules.movement.unit_move`, ``guardians`` for
    :func:`polsim.rules.movement.guardian_move`.
    """

    offenders: OffenderArgs
    units: UnitMoveArgs
    guardians: GuardianMoveArgs


@dataclass
class RowTuples:
    """The Mesa backend's copy of a step's rule arguments as plain tuples (``tuple(args)``), the
    form the rules' row entries take (``offender_row``, ``unit_row``, ``guardian_row``); each is
    set just before its agents step.
    """

    offenders: tuple = ()
    units: tuple = ()
    guardians: tuple = ()


PARALLEL_MIN_OFFENDERS = 20_000
"""Below this many offenders the loop runs on one thread: waking a second thread costs more
than it saves, and on a busy machine it can cost a whole scheduler slice per step."""


class NumbaBackend:
    """Compiled loops over the state arrays: the backend for large runs, sweeps and the UI."""

    name = "numba"

    def setup(self, model: PolicingModel) -> None:
        """Nothing to build: the arrays are the agents; rows are visited in order."""
        self.rows = np.arange(len(model.offenders), dtype=np.int64)

    def add_offenders(self, model: PolicingModel, start: int) -> None:
        """Rows appended to the offender arrays need no objects, only to be visited."""
        self.setup(model)

    def reorder_offenders(self, model: PolicingModel, order: np.ndarray) -> None:
        """The rows were re-sorted: nothing points at a row here."""

    def step_offenders(self, model: PolicingModel) -> None:
        """Run the offender rule over all offenders (rows are kept in cell order)."""
        loop = offenders_loop if len(self.rows) >= PARALLEL_MIN_OFFENDERS else offenders_loop_serial
        loop(self.rows, model.step_args.offenders, prefetch_ahead(len(self.rows), model.city.passable.size))

    def step_units(self, model: PolicingModel) -> None:
        """Run the movement rule over all units."""
        units_loop(len(model.units), model.step_args.units)

    def step_guardians(self, model: PolicingModel) -> None:
        """Run the guardian walk over all guardians."""
        guardians_loop(len(model.guardians), model.step_args.guardians)

    def end_step(self, model: PolicingModel) -> None:
        """Nothing to follow: there are no agent objects (see ``polsim.engine.agent_view``)."""


class MesaBackend:
    """One ``mesa.Agent`` per row; each agent's ``step`` calls the rule on its row.

    ``row_args`` holds this step's rule arguments as plain tuples (``tuple(args)``), which the
    agents hand the rules' row entries (``offender_row``...): Numba types a plain tuple of
    arrays several times faster than a named one, and the agents call the rule once a row.
    """

    name = "mesa"

    def setup(self, model: PolicingModel) -> None:
        """Create the city's Mesa grid (``model.grid``) and the agents, each in its cell."""
        self.row_args = RowTuples()
        model.grid = CitySpace(model.city, model.random)
        self.add_offenders(model, 0)
        self.units = [PoliceUnit(model, j) for j in range(len(model.units))]
        self.guardians = [Guardian(model, g) for g in range(len(model.guardians))]
        self.end_step(model)

    def add_offenders(self, model: PolicingModel, start: int) -> None:
        """Create agents for offender rows from ``start`` on, each in its cell."""
        o = model.offenders
        for i in range(start, len(o)):
            model.grid.place(Offender(model, i), int(o.r[i]), int(o.c[i]))

    def end_step(self, model: PolicingModel) -> None:
        """Move every agent to the cell its row says, and copy the changing layers."""
        grid = model.grid
        for agents, rows in ((model.agents_by_type.get(Offender, ()), model.offenders),
                             (self.units, model.units), (self.guardians, model.guardians)):
            r, c = rows.r.tolist(), rows.c.tolist()
            for agent in agents:
                grid.place(agent, r[agent.index], c[agent.index])
        grid.update_layers(model.city.footfall(model.hour), model.field.a0 + model.field.b)

    def reorder_offenders(self, model: PolicingModel, order: np.ndarray) -> None:
        """The rows were re-sorted (row ``k`` now holds old row ``order[k]``): follow them."""
        new_row = np.empty_like(order)
        new_row[order] = np.arange(order.size)
        if Offender not in model.agents_by_type:  # no offenders (a replay's city): nothing to follow
            return
        for agent in model.agents_by_type[Offender]:
            agent.index = int(new_row[agent.index])

    def step_offenders(self, model: PolicingModel) -> None:
        """Every offender agent steps."""
        self.row_args.offenders = tuple(model.step_args.offenders)
        if Offender in model.agents_by_type:
            model.agents_by_type[Offender].do("step")

    def step_units(self, model: PolicingModel) -> None:
        """Every unit agent steps."""
        self.row_args.units = tuple(model.step_args.units)
        if PoliceUnit in model.agents_by_type:
            model.agents_by_type[PoliceUnit].do("step")

    def step_guardians(self, model: PolicingModel) -> None:
        """Every guardian agent steps."""
        self.row_args.guardians = tuple(model.step_args.guardians)
        if Guardian in model.agents_by_type:
            model.agents_by_type[Guardian].do("step")


BACKENDS = {"numba": NumbaBackend, "mesa": MesaBackend}
