"""One run, described once: :class:`Run` says what to run, :func:`execute` runs it.

``polsim compare``, sweeps and the UI's compare panel describe every run they make as a
:class:`Run` (plain values, picklable, so a spawned process or a Dask worker rebuilds the model
from it) and get back a :class:`RunResult`: the summary, and, when the run keeps its maps,
what displacement needs (the crime raster, the cells the policy treated, the passable cells).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from polsim.measures.treated_areas import PairedRun
from polsim.model import PolicingModel

TREATED_SAMPLE_MINUTES = 60.0
"""How often (simulated minutes) the policy is asked which cells it treats."""


@dataclass(frozen=True)
class Run:
    """One run: a scenario (file or shipped name) with overrides, a policy, a seed, and how.

    ``overrides`` are dotted scenario fields (a run's length in days is ``time.days``);
    ``steps`` runs that many steps instead of the scenario's length (the dispatch rule is the
    override ``dispatch.rule``, like any other scenario field). ``keep_maps``: sample the
    policy's treated cells hourly and keep the crime raster, for displacement (a run without
    them is the same run, only lighter).
    """

    scenario: str
    policy: str = "random"
    seed: int = 1
    overrides: dict[str, Any] = field(default_factory=dict)
    backend: str = "numba"
    steps: int | None = None
    keep_maps: bool = True


@dataclass
class RunResult:
    """What one finished run hands back.

    ``treated_share`` is, per cell, the share of the hourly samples in which the policy
    reported the cell as treated (1: treated all run long, 0: never). ``crimes`` (type x row
    x col), ``treated_share`` and ``passable`` are None when the run did not keep its maps;
    ``cell_m`` is the side of the maps' cells in metres (0 without maps).
    """

    run: Run
    summary: dict[str, Any]
    response_times: np.ndarray
    calls: int
    crimes: np.ndarray | None = None
    treated_share: np.ndarray | None = None
    passable: np.ndarray | None = None
    cell_m: float = 0.0

    def paired_with(self, baseline: RunResult) -> PairedRun:
        """This run against ``baseline``'s run on the same seed, for a displacement measure (both keep maps)."""
        if self.run.seed != baseline.run.seed:
            raise ValueError(f"seeds do not pair: {self.run.seed} vs {baseline.run.seed}")
        return PairedRun(self.run.seed, baseline.crimes, self.crimes, self.treated_share, self.passable)


def model_of(run: Run) -> PolicingModel:
    """The model ``run`` describes, built and not yet run."""
    return PolicingModel(run.scenario, policy=run.policy, backend=run.backend, overrides=run.overrides,
                         seed=run.seed)


def execute(run: Run) -> RunResult:
    """Build the model of ``run``, run it, and (keeping maps) sample the policy's treated cells hourly.

    The run itself is exactly ``PolicingModel.run``: stepping and asking ``treated_cells``
    (which a policy must answer without drawing random numbers or changing state) in between
    leaves the trajectory that ``polsim run`` with the same seed gives.
    """
    model = model_of(run)
    steps = model.max_steps if run.steps is None else run.steps
    every = max(1, round(TREATED_SAMPLE_MINUTES / model.dt))
    share = np.zeros((model.city.rows, model.city.cols)) if run.keep_maps else None
    samples = 0
    for k in range(1, steps + 1):
        model.step()
        if share is not None and (k % every == 0 or k == steps):
            share += np.asarray(model.policy.treated_cells(model.policy_view), bool)
            samples += 1
    times, calls = model.response_times()
    result = RunResult(run, model.summary(), times, calls)
    if share is not None:
        result.crimes = model.metrics.crimes_by_cell.copy()
        result.treated_share = share / max(samples, 1)
        result.passable = model.city.passable.copy()
        result.cell_m = float(model.city.cell_m)
    return result
