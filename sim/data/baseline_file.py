"""The baseline file ``polsim calibrate`` writes: ``a0[type, row, col]`` and its types (.npz).

It is read back by :func:`polsim.engine.field_baseline.load_baseline` when a scenario names it
(``field.baseline``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from polsim.files import write_atomically


def save_baseline(path: Path, a0: np.ndarray, types: Sequence[str]) -> None:
    """Write ``a0[type, row, col]`` and its type names as a baseline file (compressed .npz)."""
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, a0=np.asarray(a0, np.float64), types=np.array(list(types)))

    write_atomically(Path(path), write)
