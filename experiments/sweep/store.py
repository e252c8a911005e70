"""Results of a sweep on disk: one Parquet part file per finished run, written atomically.

A part is written to a temporary name and renamed into place (``os.replace``), so at any
moment, even after SIGKILL, ``parts/`` holds only whole files and a run is finished exactly
when its part exists: every reader (resume, ``polsim report``) lists parts through
:func:`part_files` and never looks at anything else. Writing a part again replaces it, so a
run can never appear twice. ``maps/`` keeps, when the spec asks for displacement, each run's crime
raster and treated cells, written before its part so a finished run always has its map.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from polsim.files import write_atomically

PARTS, MAPS = "parts", "maps"


def part_path(out: Path, run_id: str) -> Path:
    """Where the row of ``run_id`` lives."""
    return Path(out) / PARTS / f"{run_id}.parquet"


def map_path(out: Path, run_id: str) -> Path:
    """Where the crime raster and treated cells of ``run_id`` live."""
    return Path(out) / MAPS / f"{run_id}.npz"


def write_part(out: Path, row: dict[str, Any]) -> Path:
    """Write one run's row as its own part file (temporary name, then rename)."""
    path = part_path(out, row["run_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([row])
    write_atomically(path, lambda p: pq.write_table(table, p))
    return path


def write_map(out: Path, run_id: str, crimes: np.ndarray, treated_share: np.ndarray,
              passable: np.ndarray, cell_m: float) -> Path:
    """Write one run's crime raster (type x row x col), treated-cell shares, passable cells and
    the cells' side in metres (the displacement buffer is given in metres).
    """
    path = map_path(out, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(p: Path) -> None:
        with open(p, "wb") as fh:
            np.savez_compressed(fh, crimes=crimes, treated_share=treated_share, passable=passable,
                                cell_m=np.float64(cell_m))

    write_atomically(path, write)
    return path


def read_map(out: Path, run_id: str) -> dict[str, np.ndarray]:
    """The arrays :func:`write_map` wrote."""
    with np.load(map_path(out, run_id)) as data:
        return {k: data[k] for k in data.files}


def part_files(out: Path) -> list[Path]:
    """The finished runs' part files, by run id (a killed write's temporary file is not one of them)."""
    parts = Path(out) / PARTS
    if not parts.is_dir():
        return []
    return sorted(p for p in parts.glob("*.parquet") if not p.name.startswith("."))


def finished_ids(out: Path) -> set[str]:
    """Ids of the runs whose part file exists: the finished runs."""
    return {p.stem for p in part_files(out)}


def remove_temporaries(out: Path) -> int:
    """Delete the temporary files a killed sweep left behind; returns how many."""
    stale = [p for d in (PARTS, MAPS) for p in (Path(out) / d).glob(".*.tmp")]
    for p in stale:
        p.unlink()
    return len(stale)


def load_rows(out: Path) -> pd.DataFrame:
    """Every finished run's row, in run-id order (columns a run lacks are missing values)."""
    parts = part_files(out)
    if not parts:
        return pd.DataFrame()
    frames = [pq.read_table(p).to_pandas() for p in parts]
    return pd.concat(frames, ignore_index=True).sort_values("run_id", ignore_index=True)
