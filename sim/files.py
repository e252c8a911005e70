"""Writing files so that a killed process never leaves half a file under the final name.

The one primitive every writer of results uses (runs, sweeps, optimise studies, city and
record imports, reports): write to a hidden sibling, then rename over the target.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a hidden sibling, then rename it over ``path``.

    A killed process leaves either the old file or the new one, never half a file: readers of
    a run folder (compare, sweeps, resume) can trust whatever they find.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        # Ctrl-C mid-write leaves no temporary file either (a SIGKILL's is cleared on resume)
        tmp.unlink(missing_ok=True)
        raise


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs on this machine (another user's counts as running): a
    scratch folder named after a dead process is left over from a killed run, and may go.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
