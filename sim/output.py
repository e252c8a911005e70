"""Writing a run's results: incidents.parquet, crimes_by_cell.npz, run.json, then summary.json.

Each file is written to a temporary name and renamed into place, so a killed run never
leaves a half-written file under the final name; ``summary.json`` comes last (and an older
one is removed first), so a folder holding ``summary.json`` is a finished run and one without
it is not (:func:`is_complete`), whenever the writing was cut short.
"""

from __future__ import annotations

import json
import platform
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from polsim.files import write_atomically

if TYPE_CHECKING:
    from polsim.model import PolicingModel

INCIDENT_SCHEMA = pa.schema([
    ("id", pa.int64()), ("type", pa.string()), ("priority", pa.int8()), ("row", pa.int32()),
    ("col", pa.int32()), ("grid_code", pa.string()), ("t_crime", pa.float64()),
    ("t_detect", pa.float64()), ("t_call", pa.float64()), ("t_dispatch", pa.float64()),
    ("t_first_arrival", pa.float64()), ("t_close", pa.float64()), ("detected_by", pa.string()),
    ("on_view", pa.bool_()), ("first_unit_id", pa.int32()), ("first_unit_type", pa.string()),
    ("arrested", pa.bool_()), ("t_capture", pa.float64()), ("escalated", pa.bool_()),
    ("mediated_by", pa.string()), ("status", pa.string()),
])
"""Columns of incidents.parquet; times are simulated minutes since the start (NaN: not reached
by the end of the run); status is closed, open (reported, not closed) or unreported (no call yet)."""

REPLAY_INCIDENT_SCHEMA = INCIDENT_SCHEMA.append(pa.field("record_id", pa.string()))
"""A replay's incidents.parquet: the columns above and the record's own id ("" for a simulated
incident); its metadata (``polsim.replay``) says which file and period, and whether times were drawn."""
REPLAY_KEY = b"polsim.replay"


def incident_schema(model: PolicingModel) -> pa.Schema:
    """The schema of ``model``'s incidents.parquet: a replay's adds the record ids and what it replayed."""
    if model.calls is None:
        return INCIDENT_SCHEMA
    return REPLAY_INCIDENT_SCHEMA.with_metadata({REPLAY_KEY: json.dumps(model.calls.describe()).encode()})


SUMMARY = "summary.json"
"""The file a finished run writes last: its presence marks the folder complete."""

RUN_FILES = ("incidents.parquet", "crimes_by_cell.npz", "run.json", SUMMARY)
"""Every file of a run folder, in the order they are written."""
GIS_FILES = ("incidents.gpkg", "crimes_by_cell.tif")
"""Written too, before ``run.json``, for a city with a place on the map (with the ``gis`` extra):
the incidents as points at their cells' centres, crime counts by type as a GeoTIFF."""


def is_complete(folder: Path) -> bool:
    """Whether ``folder`` holds a finished run (its summary, written after everything else)."""
    return (Path(folder) / SUMMARY).is_file()


def folder_name(*labels: object) -> str:
    """A safe folder name from labels such as a scenario name, a policy and a seed.

    A scenario's ``name`` is a label, not a path: ``/tmp/x/evil`` or ``../../escape`` must not
    decide where results go. Anything but letters (of any script), digits, ``.``, ``_`` and
    ``-`` becomes ``_``, leading dots and dashes go (no hidden folder, no ``..``, no option-like
    name), and the name is cut to 100 characters.
    """
    text = "-".join(str(label) for label in labels)
    safe = re.sub(r"[^\w.-]+", "_", text).lstrip(".-_")[:100].rstrip(".")
    return safe or "run"


def summary_json(summary: dict[str, Any]) -> str:
    """The canonical text of a summary: stable key order, so equal runs give equal bytes."""
    return json.dumps(summary, indent=2, allow_nan=False) + "\n"


def write_run(model: PolicingModel, out: Path, run_info: dict[str, Any]) -> dict[str, Any]:
    """Write every result file of a finished run into ``out``, the summary last; returns it."""
    out.mkdir(parents=True, exist_ok=True)
    (out / SUMMARY).unlink(missing_ok=True)  # the folder is unfinished until the new one is in
    summary = model.summary()

    schema = incident_schema(model)

    def write_incidents(p: Path) -> None:
        # piece by piece: a city-scale year's table built whole would take ~2.6 GB at the end
        with pq.ParquetWriter(p, schema) as writer:
            for columns in model.incident_tables():
                writer.write_table(pa.table(columns, schema=schema))

    write_atomically(out / "incidents.parquet", write_incidents)
    m = model.metrics

    def write_npz(p: Path) -> None:
        with open(p, "wb") as fh:
            np.savez_compressed(fh, counts=m.crimes_by_cell, types=np.array(m.crime_types),
                                land_use=model.city.land_use, grid_id=model.city.grid_id,
                                by_hour=m.crimes_by_hour, cell_m=model.city.cell_m)

    write_atomically(out / "crimes_by_cell.npz", write_npz)
    if model.city.geo is not None and _has_gis():
        write_gis(model, out)
    info = {**run_info, "python": sys.version.split()[0], "platform": platform.platform(),
            "versions": _versions()}
    write_atomically(out / "run.json", lambda p: p.write_text(json.dumps(info, indent=2) + "\n"))
    write_atomically(out / SUMMARY, lambda p: p.write_text(summary_json(summary)))
    return summary


def _has_gis() -> bool:
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("rasterio", "pyogrio", "shapely"))


def write_gis(model: PolicingModel, out: Path) -> None:
    """``incidents.gpkg`` and ``crimes_by_cell.tif`` of a run on a placed city (:mod:`polsim.cities.gis`)."""
    from polsim.cities.gis import write_geotiff, write_points

    geo, m = model.city.geo, model.metrics

    def write_incidents(p: Path) -> None:
        for k, columns in enumerate(model.incident_tables()):
            x, y = geo.xy_of_cells(columns["row"], columns["col"])
            lon, lat = geo.lonlat_of_xy(x, y)
            table = {name: np.asarray(v) for name, v in columns.items()}
            write_points(p, x, y, {**table, "x": x, "y": y, "lon": lon, "lat": lat}, geo.crs, "GPKG",
                         layer="incidents", append=k > 0)

    write_atomically(out / "incidents.gpkg", write_incidents)
    counts = np.asarray(m.crimes_by_cell, float)
    layers = {"all crimes": counts.sum(axis=0), **{name: counts[k] for k, name in enumerate(m.crime_types)}}
    write_atomically(out / "crimes_by_cell.tif", lambda p: write_geotiff(p, layers, geo))


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("polsim", "mesa", "numpy", "numba", "simpy", "pyarrow"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
