"""Run a sweep's plan on Dask distributed, writing each finished run as its own Parquet part.

Every run is one Dask task (:func:`polsim.experiments.sweep.task.run_row`). The default cluster is a
``LocalCluster`` of worker processes with one thread each (the engine is single-threaded
Python and Numba: processes, not threads, give parallelism); ``--scheduler`` joins an
existing cluster instead. Rows come back to this process, which writes the parts, so workers
need no shared file system. A run is done when its part exists: resume submits only the
runs without one.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask
from tqdm import tqdm

from polsim.experiments.sweep import store
from polsim.experiments.sweep.plan import Plan, PlannedRun
from polsim.experiments.sweep.task import RunOutput, WarmUp, one_line, run_row


@dataclass(frozen=True)
class SweepResult:
    """What a sweep call did: runs in the plan, already done before, run now, failed now."""

    total: int
    skipped: int
    ran: int
    failed: int


WORKER_CONFIG = {"distributed.worker.profile.enabled": False}
"""Dask settings for the local workers. The statistical profiler samples every thread's stack
every 10 ms while holding the GIL: it slowed a one-day run by a quarter (docs/performance.md). On a
cluster of your own, start the workers with ``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False``."""

CONNECT_SECONDS = 2.0
"""How long a scheduler may take to accept a connection before ``--scheduler`` is refused."""
CLIENT_TIMEOUT = "20s"
"""How long the Dask client may take to join a scheduler that accepted the connection."""
LOGGERS = ("distributed", "tornado", "asyncio")
"""The loggers a cluster's teardown writes to (``CommClosedError`` and the like)."""


class SchedulerUnreachableError(ValueError):
    """``--scheduler`` names an address where no scheduler answers."""


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def check_scheduler(address: str, seconds: float = CONNECT_SECONDS) -> None:
    """Raise :class:`SchedulerUnreachableError` unless a TCP connection to ``address`` opens within ``seconds``.

    Only ``tcp://`` and ``tls://`` addresses (and bare ``host:port``) are checked; others are left to Dask.
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        protocol, location = parse_address(address)
        if protocol not in ("tcp", "tls"):
            return
        host, port = parse_host_port(location)
    except ValueError as err:
        raise SchedulerUnreachableError(
            f"{address!r} is not a scheduler address like tcp://host:8786 ({err})") from None
    try:
        socket.create_connection((host, port), timeout=seconds).close()
    except OSError as err:
        why = "no answer" if isinstance(err, TimeoutError) else (err.strerror or str(err)).lower()
        raise SchedulerUnreachableError(f"no Dask scheduler answers at {address} ({why} within {seconds:g} s); "
                                   "start one with `dask scheduler`, or leave --scheduler out to run on "
                                   "local workers") from None


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A client on an existing scheduler, or on a fresh ``LocalCluster``; closed quietly afterwards.

    An unreachable scheduler raises :class:`SchedulerUnreachableError` before anything else happens.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        check_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout=CLIENT_TIMEOUT)
        except OSError as err:
            raise SchedulerUnreachableError(
                f"could not join the Dask scheduler at {scheduler}: {one_line(err)}") from None
        cluster = None
    else:
        with dask.config.set(WORKER_CONFIG), _workers_ignore_ctrl_c():
            cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.ERROR)
        try:
            client = Client(cluster)
        except BaseException:
            cluster.close()
            raise
    try:
        yield client
    finally:
        close_quietly(client, cluster)


@contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Start the worker processes with Ctrl-C ignored (they inherit it).

    Ctrl-C in a terminal reaches every process of the group: each worker would die on its own
    with a ``KeyboardInterrupt`` traceback before this process says ``polsim: interrupted``.
    This process alone stops on it, and closes the cluster (its workers with it) quietly.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _silence() -> None:
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


@contextmanager
def _silenced() -> Iterator[None]:
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    _silence()
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def close_quietly(client: Any, cluster: Any = None) -> None:
    """Close the client, then the cluster if it is ours, without teardown noise.

    Workers still heartbeating while the scheduler closes log ``CommClosedError`` tracebacks
    that read as a failure though nothing failed: our local workers and nannies are told to
    log only critical errors first, and this process does the same while closing. A cluster
    that is not ours (``--scheduler``) keeps its own logging.
    """
    with _silenced():
        if cluster is not None:
            with suppress(Exception):
                client.run(_silence, nanny=True, on_error="ignore")
                client.run(_silence, on_error="ignore")
        with suppress(Exception):
            client.close()
        if cluster is not None:
            with suppress(Exception):
                cluster.close()


def row_of(planned: PlannedRun, output: RunOutput) -> dict[str, Any]:
    """The Parquet row: the plan's identity of the run and its point, then what the run returned."""
    ident = {"run_id": planned.run_id, "point": planned.point, "replication": planned.replication,
             "seed": planned.seed, "policy": planned.policy, **planned.params}
    return {**ident, **{k: v for k, v in output.row.items() if k not in ident}}


def record(out: Path, planned: PlannedRun, output: RunOutput) -> None:
    """Write a finished run: its map first (when kept), then its part, which marks it done."""
    if output.result is not None:
        r = output.result
        store.write_map(out, planned.run_id, r.crimes, r.treated_share, r.passable, r.cell_m)
    store.write_part(out, row_of(planned, output))


def run_plan(plan: Plan, out: Path, client: Any, progress: bool = True) -> SweepResult:
    """Run every run of ``plan`` without a part in ``out`` on ``client``'s cluster."""
    from distributed import as_completed

    store.remove_temporaries(out)
    done = store.finished_ids(out)
    todo = [r for r in plan.runs if r.run_id not in done]
    if todo:
        client.register_plugin(WarmUp(todo[0].run))
    futures = {client.submit(run_row, r.run_id, r.run, pure=False, key=f"polsim-{r.run_id}-{os.getpid()}"): r
               for r in todo}
    failed = 0
    bar = tqdm(total=len(plan.runs), initial=len(plan.runs) - len(todo), unit="run", desc="sweep",
               disable=not progress, dynamic_ncols=True)
    try:
        for future in as_completed(futures):
            planned = futures.pop(future)
            output = _output(planned, future)
            record(out, planned, output)
            failed += output.row["status"] != "ok"
            bar.set_postfix(failed=failed, refresh=False)
            bar.update()
    finally:
        bar.close()
        for future in futures:
            future.cancel()
    return SweepResult(len(plan.runs), len(plan.runs) - len(todo), len(todo), failed)


def _output(planned: PlannedRun, future: Any) -> RunOutput:
    """The task's output, or a failed row when the task itself died (e.g. its worker was killed)."""
    try:
        return future.result()
    except Exception as err:  # noqa: BLE001 - a lost worker fails one run, not the sweep
        return RunOutput({"run_id": planned.run_id, "status": "failed", "error": one_line(err),
                          "wall_seconds": None})
