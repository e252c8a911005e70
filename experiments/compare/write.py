"""Writing a comparison's tables: compare.json, compare.csv and displacement.csv (atomically)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from polsim.experiments.compare.tables import CSV_COLUMNS, csv_rows
from polsim.files import write_atomically

DISPLACEMENT_COLUMNS = ("policy", "seed", "crime_type", "treated_cells", "buffer_cells", "control_cells",
                        "a_before", "a_after", "b_before", "b_after", "c_before", "c_after",
                        "success", "buffer_measure", "wdq", "total_net_effect", "verdict", "reason")
"""Columns of displacement.csv: per policy, one row per seed and a ``pooled`` row (all crime
types), then a ``pooled`` row per crime type."""


def _csv_text(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def displacement_rows(displacement: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-seed rows, the pooled row (summed counts, interval-backed verdict), pooled per type."""
    rows = []
    for policy, d in displacement.items():
        rows += [{"policy": policy, "crime_type": "all", **entry} for entry in d["per_seed"]]
        pooled = [("all", d)] + list(d["by_type"].items())
        for crime_type, p in pooled:
            rows.append({"policy": policy, "seed": "pooled", "crime_type": crime_type,
                         **p.get("pooled", {}), "verdict": p["verdict"], "reason": p["reason"]})
    return rows


def write_tables(out: Path, result: dict[str, Any]) -> list[Path]:
    """Write the three table files into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "compare.json": json.dumps(result, indent=2, allow_nan=False) + "\n",
        "compare.csv": _csv_text(CSV_COLUMNS, csv_rows(result["metrics"])),
        "displacement.csv": _csv_text(DISPLACEMENT_COLUMNS, displacement_rows(result["displacement"])),
    }
    for name, text in files.items():
        write_atomically(out / name, lambda p, text=text: p.write_text(text))
    return [out / name for name in files]
