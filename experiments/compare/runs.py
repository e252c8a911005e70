"""The runs of a comparison: every arm on every seed, in parallel local processes.

Each run is a :class:`polsim.runs.Run` (picklable, so a spawned process rebuilds the model
from it) and returns a :class:`polsim.runs.RunResult`.

The worker processes die with the process that started them: on Linux the kernel sends
them SIGKILL when it dies (``PR_SET_PDEATHSIG``), elsewhere a watchdog thread in each worker
notices that its parent changed. A SIGKILLed ``polsim compare`` (which runs no clean-up of
its own) thus leaves no worker computing on, and with the last worker gone multiprocessing's
resource tracker exits too. A worker still starting (importing the engine) when its parent
dies exits as soon as its start is done.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from tqdm import tqdm

from polsim.runs import Run, RunResult, execute

PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal this process gets when its parent dies (Linux)."""
WATCH_SECONDS = 1.0
"""How often a worker's watchdog checks that its parent is still the one that started it."""


def die_with_parent(parent: int) -> None:
    """Make this process exit when ``parent`` (the process that started it) dies.

    A pool initializer. The parent may already have died by the time it runs, hence the check
    of ``getppid`` after arming the signal.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="polsim-parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    # without prctl (not Linux): an orphan is re-parented, so a changed parent id means it died
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def run_all(runs: Sequence[Run], workers: int = 1, progress: bool = True) -> list[RunResult]:
    """Execute every run, ``workers`` at a time in spawned processes; results in run order.

    ``workers=1`` runs in this process (no start-up cost, easier to debug). Spawn rather
    than fork: numba and threads do not survive a fork reliably.
    """
    bar = tqdm(total=len(runs), unit="run", desc="compare", disable=not progress)
    results: list[RunResult | None] = [None] * len(runs)
    try:
        if workers <= 1:
            for i, run in enumerate(runs):
                results[i] = execute(run)
                bar.update()
        else:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=die_with_parent, initargs=(os.getpid(),))
            try:
                futures = {pool.submit(execute, run): i for i, run in enumerate(runs)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update()
            finally:
                # a failed run (or Ctrl-C) drops the queued runs instead of waiting for them
                pool.shutdown(cancel_futures=True)
    finally:
        bar.close()
    return [r for r in results if r is not None]
