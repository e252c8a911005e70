"""Checks of command-line values made before anything runs: numbers in their bounds, output paths.

Each failure is a :class:`polsim.cli.UsageError` (one line, exit code 2), raised before a
run starts or a file is written. Used by ``compare``, ``sweep`` and ``bench``.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from polsim.cli import UsageError

MAX_SEED = 2**63 - 1
"""The largest seed: seeds are stored as 64-bit integers (Parquet rows of sweeps)."""
MAX_STEPS = 10_000_000
"""The most steps a run may be given on the command line (19 years of one-minute steps)."""
WORKERS_PER_CORE = 4
"""Local worker processes beyond this many per core only wait for each other (and use memory)."""


def max_workers() -> int:
    """The most local worker processes a command may start on this machine."""
    return WORKERS_PER_CORE * (os.cpu_count() or 1)


@dataclass(frozen=True)
class Bound:
    """The allowed range of a number: ``low`` to ``high``, ``low`` itself excluded when ``open_low``."""

    low: float
    high: float
    open_low: bool = False

    def holds(self, value: float) -> bool:
        """True when ``value`` is a finite number in the range."""
        if not math.isfinite(value):
            return False
        above = value > self.low if self.open_low else value >= self.low
        return above and value <= self.high

    def __str__(self) -> str:
        return f"{'(' if self.open_low else '['}{_number(self.low)}, {_number(self.high)}]"


def _number(x: float) -> str:
    """A bound as people write it: 1,000 and 10,000,000 rather than 1e+07."""
    if isinstance(x, int) or (float(x).is_integer() and abs(x) < 1e16):
        return f"{int(x):,}"
    return f"{x:g}"


def check_number(option: str, value: float | None, bound: Bound) -> None:
    """Refuse ``value`` of ``option`` outside ``bound`` (None: the option was not given)."""
    if value is not None and not bound.holds(value):
        what = "in" if math.isfinite(value) else "a finite number in"
        raise UsageError(f"{option} must be {what} {bound}, got {value}")


def _nearest_existing(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _probe(folder: Path, option: str, target: Path) -> None:
    """Make and remove a temporary folder in ``folder``: the one check of writability that root obeys too."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".polsim-probe-", dir=folder))
    except OSError as err:
        raise UsageError(f"{option}: cannot write {target} ({err.strerror or err} in {folder})") from None


def check_out_folder(path: Path, option: str = "--out") -> None:
    """Refuse an output folder that exists as something else, lies under a file, or cannot be written.

    Nothing is left behind: a missing folder is not created here.
    """
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option}: {path} exists and is not a folder")
    base = _nearest_existing(path)
    if not base.is_dir():
        raise UsageError(f"{option}: {path} lies under {base}, which is a file, not a folder")
    _probe(base, option, path)


def check_out_file(path: Path, option: str = "--out") -> None:
    """Refuse an output file whose folder is missing or not writable, or that exists as other than a file.

    A device such as ``/dev/null`` is refused: the file is written under a temporary name and
    renamed over the target, which would replace the device.
    """
    if path.exists() and not path.is_file():
        raise UsageError(f"{option}: {path} exists and is not a regular file")
    if not path.parent.is_dir():
        raise UsageError(f"{option}: folder {path.parent} does not exist")
    _probe(path.parent, option, path)


def check_scheduler_option(address: str | None, option: str = "--scheduler") -> None:
    """Refuse a ``--scheduler`` address where no Dask scheduler answers, before anything runs."""
    if not address:
        return
    from polsim.experiments.sweep.runner import SchedulerUnreachableError, check_scheduler

    try:
        check_scheduler(address)
    except SchedulerUnreachableError as err:
        raise UsageError(f"{option}: {err}") from None
