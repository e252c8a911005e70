"""Reading a force's CSV into the normalised table: check, parse, type, place, count.

Every row of the file becomes a row of the table, with a ``status``: ``ok`` (used by
calibration and back-tests), or why not: ``duplicate`` (its id was seen on an earlier row, of
this file or an earlier one), ``type_ignored`` (its type maps to "" on purpose), ``no_time``,
``no_location``, ``bad_location`` (a place that is no place on Earth: longitude 200),
``outside_city`` or ``impassable`` (on a cell of the city nobody can stand on: water, blocked
land). Nothing is dropped unseen; the counts go into the table's metadata. What cannot be
read at all (a missing column, a time or number that does not parse, a type with no mapping,
most rows off the city) is a one-line error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from polsim.cities.geo import Geo
from polsim.data.errors import DataError, row_label
from polsim.data.place import Placed, place
from polsim.data.schemas import NUMBER_ROLES, PLACES, TIME_ROLES, Schema
from polsim.data.typemap import TypeMap

STATUSES = ("ok", "duplicate", "type_ignored", "no_time", "no_location", "bad_location", "outside_city",
            "impassable")
"""A row's status; where several reasons hold, the first of them here."""

DURATIONS = ("report_delay_min", "intake_min", "dispatch_min", "travel_min", "response_min", "on_scene_min")
"""Minutes: crime to call, call to entry, call to dispatch, dispatch to arrival, call to arrival,
arrival to close (the simulation's ``t_dispatch - t_call`` and so on)."""

MAX_OUTSIDE = 0.01
"""Default largest share of located, typed rows that may fall off the city before it is an error
(a few records geocoded just across the border are normal; many mean the wrong city)."""

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_BINARY_MAGIC = {b"PAR1": "Parquet", b"PK\x03\x04": "a ZIP archive (xlsx?)", b"%PDF": "PDF",
                 b"\x89HDF": "HDF5", b"SQLite": "SQLite"}


@dataclass
class Records:
    """The normalised table and what was done to get it."""

    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


def read_csv(path: Path) -> pd.DataFrame:
    """Every cell of a CSV file as text; anything but a text CSV with a header is an error."""
    path = Path(path)
    try:
        head = path.open("rb").read(65536)
    except FileNotFoundError:
        raise DataError(path, "", "file not found") from None
    except OSError as err:
        raise DataError(path, "", f"cannot read: {err}") from None
    for magic, kind in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise DataError(path, "", f"is {kind}, not a CSV; allowed: a comma-separated text file with a header row")
    if b"\x00" in head:
        raise DataError(path, "", "is binary, not a CSV; allowed: a comma-separated text file with a header row")
    encoding = "utf-8-sig"
    try:
        head.decode(encoding)
    except UnicodeDecodeError as err:
        encoding = "cp1252" if err.start < len(head) - 4 else encoding  # a cut multi-byte char is fine
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError(path, "", "is empty; allowed: a CSV file with a header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DataError(path, "", f"is not a readable CSV: {str(err).splitlines()[0]}") from None


def check_columns(raw: pd.DataFrame, schema: Schema, file: str) -> None:
    """Every column the schema requires is in the file's header."""
    missing = [c for c in schema.required.values() if c not in raw.columns]
    if missing:
        found = ", ".join(map(str, raw.columns[:12])) + (" ..." if raw.shape[1] > 12 else "")
        raise DataError(file, f"column {missing[0]!r}", f"missing; schema {schema.name} needs "
                        f"{', '.join(schema.required.values())} (the file has: {found})")


def parse_times(values: pd.Series, file: str, column: str) -> pd.Series:
    """Dates and times (ISO 8601 or any common form; offsets read in UTC) as naive timestamps;
    a blank is NaT, anything else that does not parse is an error.
    """
    text = values.str.strip()
    blank = text.eq("")
    times = pd.to_datetime(text.where(~blank), errors="coerce", format="ISO8601", utc=True)
    retry = times.isna() & ~blank
    if retry.any():
        times[retry] = pd.to_datetime(text[retry], errors="coerce", format="mixed", utc=True)
    bad = times.isna() & ~blank
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(file, f"{row_label(i)}, column {column!r}", f"cannot read {text.iloc[i]!r} as a date "
                        "and time; allowed: ISO 8601 (2018-07-31 23:59:00) or e.g. 07/31/2018 11:59:00 PM")
    return times.dt.tz_localize(None)


def parse_months(values: pd.Series, file: str, column: str) -> pd.Series:
    """``YYYY-MM`` months (blank: missing); anything else is an error."""
    text = values.str.strip()
    bad = ~text.str.match(_MONTH) & text.ne("")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(file, f"{row_label(i)}, column {column!r}", f"cannot read {text.iloc[i]!r} as a month; "
                        "allowed: YYYY-MM, e.g. 2018-07")
    return text


def parse_numbers(values: pd.Series, file: str, column: str) -> np.ndarray:
    """Numbers (blank: NaN); any other text is an error."""
    text = values.str.strip()
    numbers = pd.to_numeric(text.where(text.ne("")), errors="coerce")
    bad = numbers.isna() & text.ne("")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(file, f"{row_label(i)}, column {column!r}", f"cannot read {text.iloc[i]!r} as a number")
    return numbers.to_numpy(float)


def normalise(raw: pd.DataFrame, schema: Schema, types: TypeMap, file: str, geo: Geo | None = None,
              max_outside: float = MAX_OUTSIDE, passable: np.ndarray | None = None) -> Records:
    """The normalised table of a file's rows (see the module docstring).

    ``passable``: the city's cells people can stand on (rows x cols of ``geo``), for ``impassable``.
    """
    check_columns(raw, schema, file)
    cols = {role: col for role, col in schema.columns.items() if col in raw.columns}
    n = len(raw)
    if n == 0:
        raise DataError(file, "", "has a header but no rows")
    out = pd.DataFrame(index=raw.index)
    out["id"] = raw[cols["id"]].str.strip() if "id" in cols else (raw.index + 2).astype(str)
    times = {r: parse_times(raw[cols[r]], file, cols[r]) for r in TIME_ROLES if r in cols}
    out["time"] = times.get("time", pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"))
    if "month" in cols:
        months = parse_months(raw[cols["month"]], file, cols["month"])
        out["month"] = months.where(months.ne(""), out["time"].dt.strftime("%Y-%m"))
    else:
        out["month"] = out["time"].dt.strftime("%Y-%m")
    out["month"] = out["month"].fillna("")
    out["occurred"] = times.get("occurred", pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"))
    numbers = {r: parse_numbers(raw[cols[r]], file, cols[r]) for r in NUMBER_ROLES if r in cols}
    placed = place(_position_fields(raw, cols, numbers), schema.xy_crs, geo, file)
    for name in ("lon", "lat", "x", "y"):
        out[name] = getattr(placed, name)
    out["row"], out["col"] = placed.row.astype(np.int32), placed.col.astype(np.int32)
    out["area"] = raw[cols["area"]].str.strip() if "area" in cols else ""
    out["source_type"] = raw[cols["type"]].str.strip()
    out["type"] = types.apply(raw[cols["type"]], file, cols["type"])
    out["priority"] = _priorities(raw[cols["priority"]]) if "priority" in cols else np.int16(-1)
    out["self_initiated"] = (raw[cols["self_initiated"]].str.strip().str.lower().isin(("y", "yes", "true", "1", "t"))
                             if "self_initiated" in cols else False)
    negative = _durations(out, times, numbers)
    has_ids = "id" in cols
    out["status"] = _statuses(out, placed, geo is not None, passable, has_ids)
    records = Records(out.reset_index(drop=True), _meta(out, schema, types, file, placed.crs, negative))
    records.meta["ids"] = ID_COLUMN if has_ids else ROW_NUMBERS
    _check_outside(records, file, geo, max_outside)
    return records


def _position_fields(raw: pd.DataFrame, cols: dict[str, str], numbers: dict[str, np.ndarray]) -> dict:
    fields: dict[str, Any] = {}
    for way in PLACES:
        if all(r in cols for r in way):
            for r in way:
                fields[r] = numbers[r] if r in numbers else raw[cols[r]]
    return fields


def _priorities(values: pd.Series) -> np.ndarray:
    """The leading number of each priority ("2A" -> 2); -1 where there is none."""
    digits = values.str.extract(r"^\s*(\d+)")[0]
    return pd.to_numeric(digits, errors="coerce").fillna(-1).astype(np.int16).to_numpy()


def _minutes(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return ((later - earlier).dt.total_seconds() / 60.0).to_numpy(float)


def _durations(out: pd.DataFrame, times: dict[str, pd.Series], numbers: dict[str, np.ndarray]) -> int:
    """Minutes between the record's times (given directly, or from its timestamps); a negative
    duration (a clock error in the source) becomes NaN. Returns how many were negative.
    """
    t = times.get("time")
    derived = {"report_delay_min": ("time", "occurred"), "dispatch_min": ("t_dispatch", "time"),
               "travel_min": ("t_arrival", "t_dispatch"), "response_min": ("t_arrival", "time"),
               "on_scene_min": ("t_close", "t_arrival")}
    negative = 0
    for name in DURATIONS:
        value = np.full(len(out), np.nan)
        later, earlier = derived.get(name, (None, None))
        if t is not None and later in times and earlier in times:
            value = _minutes(times[later], times[earlier])
        if name in numbers:
            given = numbers[name]
            if name == "dispatch_min" and "intake_min" in numbers:
                given = given + numbers["intake_min"]  # the source's is from entry, ours from the call
            value = np.where(np.isfinite(given), given, value)
        bad = value < 0
        negative += int(bad.sum())
        out[name] = np.where(bad, np.nan, value)
    return negative


ID_COLUMN, ROW_NUMBERS = "the id column", "row numbers"
"""What a table's ids are: the source's own (duplicates are found by them) or the file's row numbers."""


def _statuses(out: pd.DataFrame, placed: Placed, on_city: bool, passable: np.ndarray | None,
              has_ids: bool) -> np.ndarray:
    """Each row's status: the reasons set from the last in ``STATUSES`` to the first, which wins."""
    status = np.full(len(out), "ok", dtype=object)
    untimed = out["month"].eq("").to_numpy()
    on = placed.row >= 0
    if passable is not None:
        blocked = np.zeros(len(out), bool)
        blocked[on] = ~passable[placed.row[on], placed.col[on]]
        status[blocked] = "impassable"
    status[~on & on_city] = "outside_city"
    status[~placed.located & (placed.invalid if placed.invalid is not None else False)] = "bad_location"
    status[~placed.located & ~(placed.invalid if placed.invalid is not None else False)] = "no_location"
    status[untimed] = "no_time"
    status[out["type"].eq("").to_numpy()] = "type_ignored"
    if has_ids:
        status[(out["id"].ne("") & out["id"].duplicated()).to_numpy()] = "duplicate"
    return status


def _meta(out: pd.DataFrame, schema: Schema, types: TypeMap, file: str, crs: str, negative: int) -> dict:
    status = out["status"]
    ignored = out.loc[status.eq("type_ignored"), "source_type"].value_counts()
    ok = out[status.eq("ok")]
    timed = ok["time"].notna()
    return {
        "source_file": str(file), "schema": schema.name, "columns": schema.columns, "types": types.source,
        "crs": crs, "rows": int(len(out)),
        "status": {s: int(status.eq(s).sum()) for s in STATUSES},
        "ignored_types": {str(k): int(v) for k, v in ignored.items()},
        "by_type": {str(k): int(v) for k, v in ok["type"].value_counts().sort_index().items()},
        "months": sorted(m for m in out["month"].unique() if m),
        "first_time": ok.loc[timed, "time"].min().isoformat() if timed.any() else None,
        "last_time": ok.loc[timed, "time"].max().isoformat() if timed.any() else None,
        "has_times": bool(timed.any()),
        "negative_durations": negative,
    }


def combine(parts: list[Records]) -> Records:
    """Several imported files (data.police.uk ships one per force and month) as one table."""
    if len(parts) == 1:
        return parts[0]
    crs = {p.meta["crs"] for p in parts}
    if len(crs) > 1:
        raise DataError(", ".join(p.meta["source_file"] for p in parts), "",
                        f"the files fall in different map zones ({', '.join(sorted(crs))}); "
                        "give --scenario to place them all on one city")
    table = pd.concat([p.table for p in parts], ignore_index=True)
    repeated = _repeated_ids(parts, table)
    meta = dict(parts[0].meta)
    meta["source_file"] = [p.meta["source_file"] for p in parts]
    meta["rows"] = int(len(table))
    meta["negative_durations"] = sum(p.meta["negative_durations"] for p in parts)
    for key in ("status", "ignored_types", "by_type"):
        merged: dict[str, int] = {}
        for p in parts:
            for k, v in p.meta[key].items():
                merged[k] = merged.get(k, 0) + v
        meta[key] = dict(sorted(merged.items())) if key != "status" else merged
    _recount(meta, table, repeated)
    meta["ids"] = parts[0].meta.get("ids") if len({p.meta.get("ids") for p in parts}) == 1 else ROW_NUMBERS
    meta["months"] = sorted({m for p in parts for m in p.meta["months"]})
    times = [p.meta[k] for p in parts for k in ("first_time", "last_time") if p.meta[k]]
    meta["first_time"], meta["last_time"] = (min(times), max(times)) if times else (None, None)
    meta["has_times"] = any(p.meta["has_times"] for p in parts)
    return Records(table, meta)


def _repeated_ids(parts: list[Records], table: pd.DataFrame) -> np.ndarray:
    """Rows of the combined ``table`` whose id an earlier file had (only where every file has ids)."""
    if not all(p.meta.get("ids") == ID_COLUMN for p in parts):
        return np.zeros(len(table), bool)
    first_file = np.repeat(np.arange(len(parts)), [len(p.table) for p in parts])
    ids = table["id"]
    seen_in = pd.Series(first_file).groupby(ids.to_numpy()).transform("min").to_numpy()
    return (ids.ne("") & (seen_in < first_file) & table["status"].ne("duplicate")).to_numpy()


def _recount(meta: dict, table: pd.DataFrame, repeated: np.ndarray) -> None:
    """Make ``repeated`` rows duplicates, moving them in the counts out of what they were."""
    for status, type_, source in table.loc[repeated, ["status", "type", "source_type"]].itertuples(index=False):
        meta["status"][status] -= 1
        if status == "ok":
            meta["by_type"][type_] -= 1
        elif status == "type_ignored":
            meta["ignored_types"][source] -= 1
    meta["status"]["duplicate"] = meta["status"].get("duplicate", 0) + int(repeated.sum())
    table.loc[repeated, "status"] = "duplicate"
    for key in ("by_type", "ignored_types"):
        meta[key] = {k: v for k, v in meta[key].items() if v}


def _check_outside(records: Records, file: str, geo: Geo | None, max_outside: float) -> None:
    status = records.table["status"]
    off = status.eq("outside_city")
    considered = int((status.eq("ok") | off).sum())
    if geo is None or considered == 0 or off.sum() <= max_outside * considered:
        return
    i = int(np.flatnonzero(off.to_numpy())[0])
    row = records.table.iloc[i]
    where = (f"lon {row['lon']:.5f}, lat {row['lat']:.5f}" if np.isfinite(row["lon"])
             else f"x {row['x']:.1f}, y {row['y']:.1f}")
    w, s, e, n = geo.bounds_xy
    raise DataError(file, row_label(i), f"{where} is outside the city ({int(off.sum())} of {considered} placed "
                    f"rows, over the {max_outside:.0%} allowed); the city spans x {w:.0f}..{e:.0f}, "
                    f"y {s:.0f}..{n:.0f} in {geo.crs}: check the scenario, or raise --max-outside")
