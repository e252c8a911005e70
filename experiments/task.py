"""What a Dask worker does: warm up once, then run one sweep run at a time and return its row.

The warm-up (a :class:`WarmUp` worker plugin) imports the engine and runs two steps of the
sweep's scenario when the worker starts, so the Numba kernels are loaded (from the on-disk
cache, or compiled) once per worker process; every later run on that worker reuses them.
A run's exception is caught and returned as a ``failed`` row: one bad point never stops
the sweep.

Each run's Numba kernels run on one thread (:func:`single_threaded`): a sweep is parallel
across runs, one worker per core, and the engine's ``parallel=True`` kernels would otherwise
start a thread per core in every worker; oversubscribed, those threads wait for each other
at every step (on a busy 2-core machine a quarter-day run took 15 s instead of 1.4 s).
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass
from typing import Any

from distributed import WorkerPlugin

WARM_UPS = 0
"""How many warm-ups this process has done (1 on a worker: tests hold the sweep to it)."""
RUNS = 0
"""How many runs this process has done."""


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run (picklable, engine-free)."""

    run_id: str
    scenario: str
    policy: str
    seed: int
    overrides: dict[str, Any]
    backend: str
    steps: int | None
    keep_map: bool


@dataclass
class RunOutput:
    """A run's row, and its crime raster and treated cells when the sweep measures displacement."""

    row: dict[str, Any]
    crimes: Any = None
    treated_share: Any = None
    passable: Any = None


def flatten(summary: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``: every summary value as its own column."""
    out: dict[str, Any] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def single_threaded() -> None:
    """Run Numba's parallel kernels on one thread in the calling thread (a Dask task's thread)."""
    import numba

    numba.set_num_threads(1)


def warm_up(scenario: str, overrides: dict[str, Any], backend: str) -> float:
    """Import the engine and run two steps, loading every kernel; returns the seconds it took."""
    global WARM_UPS
    started = time.perf_counter()
    from polsim.model import PolicingModel

    single_threaded()
    PolicingModel(scenario, overrides=overrides, seed=0, backend=backend).run(steps=2)
    WARM_UPS += 1
    return time.perf_counter() - started


class WarmUp(WorkerPlugin):
    """Worker plugin: warm up once when a worker joins (or when registered on a running one)."""

    name = "polsim-sweep-warm-up"
    idempotent = False

    def __init__(self, scenario: str, overrides: dict[str, Any], backend: str) -> None:
        self.scenario, self.overrides, self.backend = scenario, overrides, backend

    def setup(self, worker) -> None:
        """Called by Dask once per worker process."""
        if WARM_UPS == 0:
            warm_up(self.scenario, self.overrides, self.backend)


def execute(task: RunTask) -> RunOutput:
    """Run one sweep run; exceptions become a ``failed`` row with the error in one line."""
    global RUNS
    from polsim.compare.runs import RunJob, run_one

    RUNS += 1
    single_threaded()
    started = time.perf_counter()
    row: dict[str, Any] = {"run_id": task.run_id, "status": "ok", "error": None, "pid": os.getpid()}
    try:
        result = run_one(RunJob(task.scenario, task.policy, task.seed, task.overrides, task.backend,
                                None, task.steps))
    except Exception as err:  # noqa: BLE001 - any failure of a run is recorded, not raised
        row.update(status="failed", error=one_line(err), wall_seconds=time.perf_counter() - started)
        return RunOutput(row)
    row.update(flatten(result.summary))
    row["wall_seconds"] = time.perf_counter() - started
    if not task.keep_map:
        return RunOutput(row)
    return RunOutput(row, result.crimes, result.treated_share, result.passable)


def one_line(err: BaseException) -> str:
    """``Type: message`` on one line, with where it was raised."""
    tb = traceback.extract_tb(err.__traceback__)
    where = f" (at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno})" if tb else ""
    return " ".join(f"{type(err).__name__}: {err}{where}".split())
