"""The two backends that drive the rules: ``mesa`` (an agent per row) and ``numba`` (loops).

Both hand every rule the same argument tuples (``model.step_args``), so they differ only in
who calls the rule for each row: a ``mesa.Agent.step`` or a compiled loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit, prange

from sim.agents import Guardian, Offender, PoliceUnit
from sim.rules.movement import guardian_move, unit_move
from sim.rules.offender import offender_step

if TYPE_CHECKING:
    from sim.model import PolicingModel


# The rules are inlined into these loops (``inline="always"``) and the loops run without
# reference counting (``_nrt=False``: nothing in a rule allocates). A call per row with ~20
# array arguments, and the reference counts of the arrays its inlined body touches, cost
# ~400 ns an offender; the loops unpack the argument tuple once, before the loop, for the
# same reason (a tuple item read inside the loop is counted again every row).


@njit(cache=True, parallel=True, _nrt=False)
def offenders_loop(order, args):
    """``offender_step`` for every offender, visited in ``order``.

    Rows are independent (each reads the rasters as they were at the start of the step and
    writes only its own row), so they run in parallel and any visiting order gives the same
    result. The model keeps the rows sorted by cell, so visiting them in row order keeps
    both the rows and the raster reads in cache.
    """
    (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19,
     a20) = args
    for k in prange(order.shape[0]):
        offender_step(order[k], a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14,
                      a15, a16, a17, a18, a19, a20)


@njit(cache=True, _nrt=False)
def offenders_loop_serial(order, args):
    """``offenders_loop`` on one thread, for populations too small to share out."""
    (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19,
     a20) = args
    for k in range(order.shape[0]):
        offender_step(order[k], a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14,
                      a15, a16, a17, a18, a19, a20)


PARALLEL_MIN_OFFENDERS = 20_000
"""Below this many offenders the loop runs on one thread: waking a second thread costs more
than it saves, and on a busy machine it can cost a whole scheduler slice per step."""


@njit(cache=True, _nrt=False)
def units_loop(n, args):
    """``unit_move`` for every unit."""
    a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12 = args
    for j in range(n):
        unit_move(j, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12)


@njit(cache=True, _nrt=False)
def guardians_loop(n, args):
    """``guardian_move`` for every guardian."""
    a0, a1, a2, a3, a4, a5, a6, a7 = args
    for g in range(n):
        guardian_move(g, a0, a1, a2, a3, a4, a5, a6, a7)


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
        loop(self.rows, model.step_args.offenders)

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

    def reorder_offenders(self, model: PolicingModel, order: np.ndarray) -> None:
        """The rows were re-sorted (row ``k`` now holds old row ``order[k]``): follow them."""
        new_row = np.empty_like(order)
        new_row[order] = np.arange(order.size)
        for agent in model.agents_by_type[Offender]:
            agent.index = int(new_row[agent.index])

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
