"""What a Dask worker does: warm up once, then execute one sweep run at a time and return its row.

The warm-up (a :class:`WarmUp` worker plugin) imports the engine and runs two steps of the
sweep's scenario when the worker starts, so the Numba kernels are loaded (from the on-disk
cache, or compiled) once per worker process; every later run on that worker reuses them.
A run's exception is caught and returned as a ``failed`` row: one bad point never stops
the sweep.

Each run's Numba kernels run on one thread (:func:`polsim.engine.threads.numba_threads`): a sweep is
parallel across runs, one worker per core, and the engine's ``parallel=True`` kernels would
otherwise start a thread per core in every worker.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass
from typing import Any

from distributed import WorkerPlugin

from polsim.engine.threads import numba_threads
from polsim.measures.vocabulary import flatten
from polsim.runs import Run, RunResult, execute

WARM_UPS = 0
"""How many warm-ups this process has done (1 on a worker: tests hold the sweep to it)."""
RUNS = 0
"""How many runs this process has done."""


@dataclass
class RunOutput:
    """A run's row, and its result when the run kept its maps (for displacement)."""

    row: dict[str, Any]
    result: RunResult | None = None


def warm_up(run: Run) -> float:
    """Import the engine and run two steps of ``run``'s scenario, loading every kernel; returns the seconds."""
    global WARM_UPS
    started = time.perf_counter()
    from polsim.model import PolicingModel

    with numba_threads(1):
        PolicingModel(run.scenario, overrides=run.overrides, seed=0, backend=run.backend).run(steps=2)
    WARM_UPS += 1
    return time.perf_counter() - started


class WarmUp(WorkerPlugin):
    """Worker plugin: warm up once when a worker joins (or when registered on a running one)."""

    name = "polsim-sweep-warm-up"
    idempotent = False

    def __init__(self, run: Run) -> None:
        self.run = run

    def setup(self, worker) -> None:
        """Called by Dask once per worker process."""
        if WARM_UPS == 0:
            warm_up(self.run)


def run_row(run_id: str, run: Run) -> RunOutput:
    """Execute one sweep run; its row holds the summary flattened to dotted names, or the error in one line."""
    global RUNS
    RUNS += 1
    started = time.perf_counter()
    row: dict[str, Any] = {"run_id": run_id, "status": "ok", "error": None, "pid": os.getpid()}
    try:
        with numba_threads(1):
            result = execute(run)
    except Exception as err:  # noqa: BLE001 - any failure of a run is recorded, not raised
        row.update(status="failed", error=one_line(err), wall_seconds=time.perf_counter() - started)
        return RunOutput(row)
    row.update(flatten(result.summary))
    row["wall_seconds"] = time.perf_counter() - started
    return RunOutput(row, result if run.keep_maps else None)


def one_line(err: BaseException) -> str:
    """``Type: message`` on one line, with where it was raised."""
    tb = traceback.extract_tb(err.__traceback__)
    where = f" (at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno})" if tb else ""
    return " ".join(f"{type(err).__name__}: {err}{where}".split())
