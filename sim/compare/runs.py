"""The runs of a comparison: every policy on every seed, in parallel local processes.

Each run is a plain :class:`RunJob` (picklable, so a spawned process can rebuild the model
from it) and returns a :class:`RunResult` with what the comparison needs: the summary, the
crime raster, the cells the policy treated, and the response times.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from polsim.model import PolicingModel

TREATED_SAMPLE_MINUTES = 60.0
"""How often (simulated minutes) the policy is asked which cells it treats."""


@dataclass(frozen=True)
class RunJob:
    """One run: a scenario (file or shipped name) with overrides, a policy and a seed."""

    scenario: str
    policy: str
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)
    backend: str = "numba"
    dispatch: str | None = None
    steps: int | None = None


@dataclass
class RunResult:
    """What one finished run hands back to the comparison.

    ``treated_share`` is, per cell, the share of the hourly samples in which the policy
    reported the cell as treated (1: treated all run long, 0: never).
    """

    job: RunJob
    summary: dict[str, Any]
    crimes: np.ndarray
    treated_share: np.ndarray
    response_times: np.ndarray
    calls: int
    passable: np.ndarray


def run_one(job: RunJob) -> RunResult:
    """Build the model of ``job``, run it, and sample the policy's treated cells hourly.

    The run itself is exactly ``PolicingModel.run``: stepping and asking ``treated_cells``
    (which a policy must answer without drawing random numbers or changing state) in between
    leaves the trajectory that ``polsim run`` with the same seed gives.
    """
    model = PolicingModel(job.scenario, policy=job.policy, backend=job.backend,
                          overrides=job.overrides, seed=job.seed, dispatch=job.dispatch)
    steps = model.max_steps if job.steps is None else job.steps
    every = max(1, round(TREATED_SAMPLE_MINUTES / model.dt))
    share = np.zeros((model.city.rows, model.city.cols))
    samples = 0
    for k in range(1, steps + 1):
        model.step()
        if k % every == 0 or k == steps:
            share += np.asarray(model.policy.treated_cells(model), bool)
            samples += 1
    times, calls = model.response_times()
    return RunResult(job, model.summary(), model.metrics.crimes_by_cell.copy(),
                     share / max(samples, 1), times, calls, model.city.passable.copy())


def run_all(jobs: Sequence[RunJob], workers: int = 1, progress: bool = True) -> list[RunResult]:
    """Run every job, ``workers`` at a time in spawned processes; results in job order.

    ``workers=1`` runs in this process (no start-up cost, easier to debug). Spawn rather
    than fork: numba and threads do not survive a fork reliably.
    """
    bar = tqdm(total=len(jobs), unit="run", desc="compare", disable=not progress)
    results: list[RunResult | None] = [None] * len(jobs)
    try:
        if workers <= 1:
            for i, job in enumerate(jobs):
                results[i] = run_one(job)
                bar.update()
        else:
            ctx = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
            try:
                futures = {pool.submit(run_one, job): i for i, job in enumerate(jobs)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update()
            finally:
                # a failed run (or Ctrl-C) drops the queued runs instead of waiting for them
                pool.shutdown(cancel_futures=True)
    finally:
        bar.close()
    return [r for r in results if r is not None]
