"""The one place the optimiser meets the sweep machinery: runs on Dask, rows on disk, metric names.

Everything else in :mod:`polsim.experiments.optimise` sees a batch of :class:`Trial` going in
and, per trial, a row of ``summary.json`` dotted names coming out (``crimes.total``,
``response_time_min.within_3``...: :mod:`polsim.measures.vocabulary`), plus
``status``/``error``/``wall_seconds``.

A trial is one :class:`polsim.runs.Run` (the one description of a run that compare and sweeps
use too) with the id the study keeps it under; it is executed as a sweep's run is
(:func:`polsim.experiments.sweep.task.run_row`), on a client from
:func:`polsim.experiments.sweep.runner.dask_client` (a ``LocalCluster`` by default, a scheduler
address for a cluster), each worker warmed up once; finished rows are Parquet part files
written by :mod:`polsim.experiments.sweep.store` (temporary name, then rename), so a killed study
keeps every run it finished.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from polsim.runs import Run

Row = dict[str, Any]


@dataclass(frozen=True)
class Trial:
    """One simulation run of a candidate, by its id: policy, seed and scenario overrides."""

    run_id: str
    seed: int
    policy: str
    overrides: dict[str, Any] = field(default_factory=dict)

    def run(self, scenario: str, backend: str, steps: int | None) -> Run:
        """The :class:`polsim.runs.Run` of this trial of ``scenario`` (no maps: a study reads summaries)."""
        return Run(scenario, policy=self.policy, seed=self.seed, overrides=self.overrides, backend=backend,
                   steps=steps, keep_maps=False)


class Evaluator(Protocol):
    """Runs batches of :class:`Trial`; ``run`` calls ``done(trial, row)`` as each finishes."""

    def run(self, runs: list[Trial], done: Callable[[Trial, Row], None]) -> None:
        """Run every run of the batch."""
        ...


class DaskEvaluator(Evaluator):
    """Runs on a Dask client, one task per run, the workers warmed up once on the scenario."""

    def __init__(self, client: Any, scenario: str, backend: str, steps: int | None,
                 warm_overrides: dict[str, Any]) -> None:
        self.client, self.scenario, self.backend, self.steps = client, scenario, backend, steps
        self.warm_overrides = warm_overrides
        self._warm = False

    def warm(self) -> None:
        """Warm every worker up once (the engine imported, its kernels loaded); later calls do nothing."""
        from polsim.experiments.sweep.task import WarmUp

        if not self._warm:
            warm = Run(self.scenario, overrides=self.warm_overrides, backend=self.backend, keep_maps=False)
            self.client.register_plugin(WarmUp(warm))
            self._warm = True

    def run(self, runs: list[Trial], done: Callable[[Trial, Row], None]) -> None:
        """Submit the batch, hand each row back as it finishes (a lost worker fails its run only)."""
        from distributed import as_completed

        from polsim.experiments.sweep.task import one_line, run_row

        if not runs:
            return
        self.warm()
        futures = {self.client.submit(run_row, r.run_id, r.run(self.scenario, self.backend, self.steps), pure=False,
                                      key=f"polsim-opt-{r.run_id}-{os.getpid()}"): r for r in runs}
        try:
            for future in as_completed(futures):
                run = futures.pop(future)
                try:
                    row = future.result().row
                except Exception as err:  # noqa: BLE001 - a lost worker fails one run, not the study
                    row = {"run_id": run.run_id, "status": "failed", "error": one_line(err), "wall_seconds": None}
                done(run, row)
        finally:
            for future in futures:
                future.cancel()


@contextmanager
def dask_evaluator(scenario: str, backend: str, steps: int | None, warm_overrides: dict[str, Any],
                   workers: int | None = None, scheduler: str | None = None) -> Iterator[DaskEvaluator]:
    """A :class:`DaskEvaluator` on a fresh ``LocalCluster`` (or on ``scheduler``), closed afterwards."""
    from polsim.experiments.sweep.runner import dask_client

    with dask_client(workers, scheduler) as client:
        yield DaskEvaluator(client, scenario, backend, steps, warm_overrides)


# -- rows on disk ----------------------------------------------------------------------------
def write_row(out: Path, row: Row) -> None:
    """Keep a finished run as its own part file (atomically: a killed study leaves whole files)."""
    from polsim.experiments.sweep import store

    store.write_part(out, row)


def read_rows(out: Path) -> pd.DataFrame:
    """Every kept run's row (columns a run lacks are missing values)."""
    from polsim.experiments.sweep import store

    store.remove_temporaries(out)
    return store.load_rows(out)


def iter_rows(out: Path) -> Iterable[Row]:
    """The kept rows as dicts (NaN as None)."""
    df = read_rows(out)
    if df.empty:
        return []
    return (dict(zip(df.columns, (None if _missing(v) else v for v in values), strict=True))
            for values in df.itertuples(index=False, name=None))


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def scenario_path(scenario: str, base: Path) -> str:
    """A spec's scenario: a file relative to the spec's folder, or a shipped scenario name (the sweeps' rule)."""
    from polsim.experiments.sweep.spec import scenario_path as sweep_scenario_path

    return sweep_scenario_path(scenario, base)
