"""The one place calibration and back-tests run the model: replications on Dask.

:func:`simulate` takes a scenario (file and overrides), seeds and a run length, and returns
for each replication what the fit and the back-test compare with the data: crimes by type
and cell, crimes by hour, and the response-time parts of its calls. The runs go to a Dask
client (a ``LocalCluster`` from :func:`polsim.experiments.sweep.runner.dask_client`, or a
scheduler's); without a client they run here, one after another. A warm-up at the start of
each run is simulated and left out of the counts, so that the repeat-victimisation field
has built up as it would in a long run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm import tqdm

from polsim.engine.threads import numba_threads
from polsim.runs import Run, model_of


@dataclass(frozen=True)
class SimJob:
    """One replication: the run (its ``time.days`` the warm-up and the counted days together)
    and how many of its first days are warm-up (picklable).
    """

    run: Run
    warmup_days: float
    days: float


@dataclass
class SimCounts:
    """What one replication saw after its warm-up."""

    seed: int
    days: float
    crimes: np.ndarray
    """Crimes by type, row, col (``summary.json``'s ``crimes.by_type`` summed over cells)."""
    by_hour: np.ndarray
    """Crimes by hour of day and type, shape (24, types)."""
    response_min: np.ndarray
    """Minutes from call to first unit on scene, of the calls reached (``response_time_min``)."""
    dispatch_min: np.ndarray
    travel_min: np.ndarray
    halves: tuple[int, int] = (0, 0)
    """Crimes in the first and the last stretch of whole days of the counted days, as long as each
    other (:func:`halves_steps`; a rising count means the run has not settled: too short a
    warm-up, or repeat victimisation running away)."""


def simulate_one(job: SimJob) -> SimCounts:
    """Run one replication (in this process; Numba on one thread, as a sweep worker does)."""
    with numba_threads(1):
        return _counted(job)


def _counted(job: SimJob) -> SimCounts:
    model = model_of(job.run)
    warm = int(round(job.warmup_days * 1440 / model.dt))
    model.run(steps=warm)
    crimes0 = model.metrics.crimes_by_cell.copy()
    hours0 = model.metrics.crimes_by_hour.copy()
    first_incident, t0 = len(model.incidents), model.now
    window = halves_steps(model.max_steps - warm, model.dt)
    model.run(steps=window)
    half = int(model.metrics.crimes_by_cell.sum() - crimes0.sum())
    model.run(steps=model.max_steps - warm - 2 * window)
    middle = int(model.metrics.crimes_by_cell.sum() - crimes0.sum()) - half
    model.run()
    inc = model.incident_table(start=first_incident)
    call = inc["t_call"]
    reached = np.isfinite(call) & ~inc["on_view"] & (call >= t0) & np.isfinite(inc["t_first_arrival"])
    return SimCounts(job.run.seed, job.days, model.metrics.crimes_by_cell - crimes0,
                     model.metrics.crimes_by_hour - hours0,
                     (inc["t_first_arrival"] - call)[reached], (inc["t_dispatch"] - call)[reached],
                     (inc["t_first_arrival"] - inc["t_dispatch"])[reached],
                     (half, int(model.metrics.crimes_by_cell.sum() - crimes0.sum()) - half - middle))


def halves_steps(counted_steps: int, dt: float) -> int:
    """Steps of each of the two windows ``halves`` compares: the most whole days that fit twice
    in the counted steps, so that both see every hour equally often (halves of 7 days split a day,
    and the evening's crime falls in the second: 9% more at the default hourly profile); plain
    halves when fewer than two days are counted.
    """
    day = max(1, round(1440 / dt))
    whole = counted_steps // (2 * day)
    return whole * day if whole >= 1 else counted_steps // 2


def days_for_exposure(data_days: float, replications: int, multiple: float) -> float:
    """Counted days of each replication so that ``replications`` of them hold at least ``multiple``
    times the data's ``data_days`` (whole days): the simulated mean's own noise then stays small
    beside the data's, whose counts it is compared with or stands in for.
    """
    return float(max(1, math.ceil(multiple * data_days / replications - 1e-9)))


def simulate(scenario: str, overrides: dict[str, Any], seeds: Sequence[int], days: float,
             warmup_days: float = 2.0, client: Any = None, progress: bool = False,
             desc: str = "runs") -> list[SimCounts]:
    """Every seed's replication, in seed order; on ``client`` when given, else here."""
    overrides = {**overrides, "time.days": warmup_days + days}
    jobs = [SimJob(Run(str(scenario), seed=int(s), overrides=dict(overrides), keep_maps=False), warmup_days, days)
            for s in seeds]
    bar = tqdm(total=len(jobs), unit="run", desc=desc, disable=not progress, leave=False)
    try:
        if client is None:
            out = []
            for job in jobs:
                out.append(simulate_one(job))
                bar.update()
            return out
        from distributed import as_completed

        futures = [client.submit(simulate_one, job, pure=False) for job in jobs]
        for _ in as_completed(futures):
            bar.update()
        return [f.result() for f in futures]
    finally:
        bar.close()
