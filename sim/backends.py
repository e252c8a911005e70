"""The two backends that drive the rules: ``mesa`` (an agent per row) and ``numba`` (loops).

Both hand every rule the same argument tuples (``model.step_args``), so they differ only in
who calls the rule for each row: a ``mesa.Agent.step`` or a compiled loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from numba import njit, prange

from sim.agents import Guardian, Offender, PoliceUnit
from sim.rules.movement import guardian_move, unit_move
from sim.rules.offender import offender_step

if TYPE_CHECKING:
    from sim.model import PolicingModel


@njit(cache=True, parallel=True)
def offenders_loop(n, args):
    """``offender_step`` for every offender (rows are independent, so in parallel)."""
    for i in prange(n):
        offender_step(i, *args)


@njit(cache=True)
def units_loop(n, args):
    """``unit_move`` for every unit."""
    for j in range(n):
        unit_move(j, *args)


@njit(cache=True)
def guardians_loop(n, args):
    """``guardian_move`` for every guardian."""
    for g in range(n):
        guardian_move(g, *args)


class NumbaBackend:
    """Compiled loops over the state arrays: the backend for large runs, sweeps and the UI."""

    name = "numba"

    def setup(self, model: PolicingModel) -> None:
        """Nothing to build: the arrays are the agents."""

    def add_offenders(self, model: PolicingModel, start: int) -> None:
        """Rows appended to the offender arrays need no objects here."""

    def step_offenders(self, model: PolicingModel) -> None:
        """Run the offender rule over all offenders."""
        offenders_loop(len(model.offenders), model.step_args.offenders)

    def step_units(self, model: PolicingModel) -> None:
        """Run the movement rule over all units."""
        units_loop(len(model.units), model.step_args.units)

    def step_guardians(self, model: PolicingModel) -> None:
        """Run the guardian walk over all guardians."""
        guardians_loop(len(model.guardians), model.step_args.guardians)


class MesaBackend:
    """One ``mesa.Agent`` per row; each agent's ``step`` calls the rule on its row."""

    name = "mesa"

    def setup(self, model: PolicingModel) -> None:
        """Create the agents."""
        self.add_offenders(model, 0)
        self.units = [PoliceUnit(model, j) for j in range(len(model.units))]
        self.guardians = [Guardian(model, g) for g in range(len(model.guardians))]

    def add_offenders(self, model: PolicingModel, start: int) -> None:
        """Create agents for offender rows from ``start`` on."""
        for i in range(start, len(model.offenders)):
            Offender(model, i)

    def step_offenders(self, model: PolicingModel) -> None:
        """Every offender agent steps."""
        model.agents_by_type[Offender].do("step")

    def step_units(self, model: PolicingModel) -> None:
        """Every unit agent steps."""
        if PoliceUnit in model.agents_by_type:
            model.agents_by_type[PoliceUnit].do("step")

    def step_guardians(self, model: PolicingModel) -> None:
        """Every guardian agent steps."""
        if Guardian in model.agents_by_type:
            model.agents_by_type[Guardian].do("step")


BACKENDS = {"numba": NumbaBackend, "mesa": MesaBackend}
