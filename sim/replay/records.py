"""The recorded calls of one period, read from a table of ``polsim data import`` and checked.

A replay takes the rows of the import whose status is ``ok`` and that fall in the period, sorted
by call time: each becomes an incident at its cell, call time, type and priority. What a
replay refuses, with the one-line error naming the table and what is allowed: a file that is not
an import's output, one imported without ``--scenario`` (no cells), records off the city or of a
crime type the scenario lacks, a period the table does not cover, and months-only records
(data.police.uk) unless their minutes are drawn (``calls.draw_times``).

Decided here (docs/replay.md): officer-initiated records are skipped (no call for service:
the officer was there) and counted; a recorded priority of 1-5 is kept, any other takes the
scenario's priority for the type; a recorded on-scene time (minutes, > 0) is the service time,
else the scenario's mean for the type drawn exponentially; a record on a blocked cell is served
at the nearest passable cell.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import ndimage

from polsim.replay.span import MONTH, span
from polsim.scenario.schema import CallsSpec, ScenarioSpec
from polsim.scenario.validate import ScenarioError

if TYPE_CHECKING:
    from polsim.cities.city import City

RECORDS_KEY = b"polsim.records"
"""The Parquet metadata key under which ``polsim data import`` stores its metadata."""

DISPUTE = "dispute"
"""A record of this type is a dispute, served as the scenario's disputes are (priority, time on scene)."""

COLUMNS = ("id", "time", "month", "x", "y", "row", "col", "type", "priority", "self_initiated", "status",
           "report_delay_min", "dispatch_min", "travel_min", "response_min", "on_scene_min")
"""The import's columns a replay reads."""

MAX_MOVED = 0.01
"""Share of records whose x/y fall on another cell than their row and column before the table is
taken for one imported onto another city (a point on a cell's edge may round either way)."""

RECORDED = ("dispatch_min", "travel_min", "response_min")
"""The record's own durations, kept to set beside the replay's."""


@dataclass(frozen=True)
class CallTable:
    """One period's recorded calls in order of call time; times in minutes since the period starts.

    ``type_code`` indexes ``types``; ``on_scene_min`` is NaN where the record has none.
    """

    source: str
    period: str
    start: pd.Timestamp
    minutes: float
    types: tuple[str, ...]
    t_call: np.ndarray
    t_crime: np.ndarray
    r: np.ndarray
    c: np.ndarray
    type_code: np.ndarray
    priority: np.ndarray
    on_scene_min: np.ndarray
    record_id: np.ndarray
    recorded: dict[str, np.ndarray]
    times_drawn: bool
    self_initiated_skipped: int

    def __len__(self) -> int:
        return int(self.t_call.size)

    @property
    def days(self) -> float:
        """The period's length in days."""
        return self.minutes / 1440.0


def source_path(calls: CallsSpec, scenario_file: str | None) -> Path:
    """``calls.source`` resolved: relative to the scenario file (to the working directory without one)."""
    path = Path(calls.source)
    if path.is_absolute() or not scenario_file or scenario_file.startswith("<"):
        return path
    return Path(scenario_file).parent / path


def read_import(path: Path, where: str) -> tuple[pd.DataFrame, dict]:
    """The rows and metadata of a table ``polsim data import`` wrote; anything else is the one-line error."""
    try:
        table = pq.read_table(path)
    except FileNotFoundError:
        raise ScenarioError(str(path), where, "file not found; allowed: a table written by polsim data "
                            "import") from None
    except (OSError, pa.ArrowInvalid) as err:
        first = (str(err).splitlines() or [""])[0]
        raise ScenarioError(str(path), where, f"not a Parquet file ({first}); allowed: a table written by "
                            "polsim data import") from None
    raw = (table.schema.metadata or {}).get(RECORDS_KEY)
    missing = [c for c in COLUMNS if c not in table.column_names]
    if raw is None or missing:
        raise ScenarioError(str(path), where, "has no polsim import metadata or columns; allowed: a table "
                            "written by polsim data import")
    return table.select(list(COLUMNS)).to_pandas(), json.loads(raw)


def load_calls(spec: ScenarioSpec, scenario_file: str | None, city: City,
               rng: np.random.Generator | None = None) -> CallTable:
    """The calls ``spec.calls`` replays, checked against the scenario's ``city`` and types.

    ``rng`` draws the minutes of months-only records (``calls.draw_times``); without one they are
    drawn from a generator seeded by nothing but the file (a check, not a run).
    """
    calls = spec.calls
    path = source_path(calls, scenario_file)
    where = "calls.source"
    df, meta = read_import(path, where)
    try:
        start, end = span(calls.period)
    except ValueError:
        raise ScenarioError(str(scenario_file or "<scenario>"), "calls.period", f"{calls.period!r} is not one "
                            "period; allowed: YYYY-MM, YYYY-MM..YYYY-MM or YYYY-MM-DD..YYYY-MM-DD") from None
    months = set(meta.get("months", []))
    wanted = pd.period_range(start, end - pd.Timedelta(seconds=1), freq="M").strftime("%Y-%m")
    lacking = [m for m in wanted if m not in months]
    if lacking:
        held = f"{min(months)}..{max(months)}" if months else "no months"
        raise ScenarioError(str(path), "calls.period", f"{calls.period} is outside the records (no record in "
                            f"{lacking[0]}; the table holds {held}); allowed: a period the records cover")
    timed = bool(meta.get("has_times"))
    if not timed and not calls.draw_times:
        raise ScenarioError(str(path), where, "has months only, no call times (data.police.uk); allowed: "
                            "--draw-times (calls.draw_times = true) to draw each call's minute from the "
                            "scenario's hourly profile")
    if timed and calls.draw_times:
        raise ScenarioError(str(path), "calls.draw_times", "the records have call times; allowed: false")
    ok = df["status"].eq("ok") | df["status"].eq("outside_city")
    if timed:
        inside = ok & (df["time"] >= start) & (df["time"] < end)
    else:
        inside = ok & df["month"].isin(list(wanted))
        if not all(MONTH.match(part.strip()) for part in calls.period.split("..")):
            raise ScenarioError(str(path), "calls.period", f"{calls.period}: months-only records replay whole "
                                "months; allowed: YYYY-MM or YYYY-MM..YYYY-MM")
    rows = df[inside]
    _check_placed(rows, city, path)
    _check_same_city(rows, meta, city, path)
    own = rows["self_initiated"].to_numpy(bool)
    rows = rows[~own]
    types = _check_types(rows, spec, path)
    minutes = (end - start).total_seconds() / 60.0
    if timed:
        t_call = ((rows["time"] - start).dt.total_seconds() / 60.0).to_numpy(float)
    else:
        t_call = _drawn_minutes(rows["month"], start, spec.field.crime_by_hour,
                                rng if rng is not None else np.random.default_rng(0))
    order = np.argsort(t_call, kind="stable")
    rows, t_call = rows.iloc[order], t_call[order]
    delay = rows["report_delay_min"].to_numpy(float)
    r, c = _on_passable(rows["row"].to_numpy(np.int64), rows["col"].to_numpy(np.int64), city.passable)
    codes = {name: k for k, name in enumerate(types)}
    return CallTable(
        source=str(path), period=calls.period, start=start, minutes=minutes, types=types, t_call=t_call,
        t_crime=np.where(np.isfinite(delay), t_call - delay, t_call), r=r, c=c,
        type_code=rows["type"].map(codes).to_numpy(np.int16),
        priority=_priorities(rows, spec), on_scene_min=_positive(rows["on_scene_min"].to_numpy(float)),
        record_id=rows["id"].astype(str).to_numpy(object),
        recorded={name: rows[name].to_numpy(float) for name in RECORDED},
        times_drawn=not timed, self_initiated_skipped=int(own.sum()))


def _check_placed(rows: pd.DataFrame, city: City, path: Path) -> None:
    """Every record of the period has a cell of this scenario's city."""
    r, c = rows["row"].to_numpy(), rows["col"].to_numpy()
    off = rows["status"].eq("outside_city").to_numpy() | (r >= city.rows) | (c >= city.cols)
    unplaced = (r < 0) & ~off
    if unplaced.any() and unplaced.all():
        raise ScenarioError(str(path), "calls.source", "has no cells (imported without --scenario); allowed: "
                            "a table imported with polsim data import --scenario SCENARIO")
    bad = off | unplaced
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ScenarioError(str(path), f"record {rows['id'].iloc[k]!r}", f"{int(bad.sum())} of {len(rows)} "
                            f"records of the period lie outside the {city.rows}x{city.cols} city; allowed: "
                            "records imported with --scenario on this scenario's city")


def _check_same_city(rows: pd.DataFrame, meta: dict, city: City, path: Path) -> None:
    """Records imported onto another city on the map are refused: their x/y are in another CRS,
    or fall on other cells than their row and column (more than a few at the edges of cells).
    """
    geo = city.geo
    if geo is None or rows.empty:
        return
    if meta.get("crs") != geo.crs:
        raise ScenarioError(str(path), "calls.source", f"was imported onto another city (x/y in {meta.get('crs')}, "
                            f"this city's in {geo.crs}); allowed: a table imported with --scenario on this city")
    x, y = rows["x"].to_numpy(float), rows["y"].to_numpy(float)
    known = np.isfinite(x) & np.isfinite(y)
    r, c = geo.cells_of_xy(x[known], y[known])
    moved = (r != rows["row"].to_numpy()[known]) | (c != rows["col"].to_numpy()[known])
    if moved.sum() > MAX_MOVED * max(known.sum(), 1):
        raise ScenarioError(str(path), "calls.source", f"{int(moved.sum())} of {int(known.sum())} records lie on "
                            "other cells of this city than they were imported onto; allowed: a table imported "
                            "with --scenario on this scenario's city")


def _check_types(rows: pd.DataFrame, spec: ScenarioSpec, path: Path) -> tuple[str, ...]:
    """The record's types, each one of the scenario's crime types (or ``dispute``)."""
    found = sorted(rows["type"].unique())
    allowed = [*spec.crimes, DISPUTE]
    bad = [t for t in found if t not in allowed]
    if bad:
        k = int(np.flatnonzero(rows["type"].eq(bad[0]).to_numpy())[0])
        raise ScenarioError(str(path), f"record {rows['id'].iloc[k]!r}", f"type {bad[0]!r} is not a crime type of "
                            f"the scenario; allowed: {', '.join(allowed)} (map the source's types at import)")
    return tuple(found)


def _priorities(rows: pd.DataFrame, spec: ScenarioSpec) -> np.ndarray:
    """The record's priority where it is 1-5, else the scenario's for the type."""
    default = {name: ct.priority for name, ct in spec.crimes.items()}
    default[DISPUTE] = spec.disputes.priority
    given = rows["priority"].to_numpy(np.int64)
    fallback = rows["type"].map(default).to_numpy(np.int64)
    return np.where((given >= 1) & (given <= 5), given, fallback).astype(np.int8)


def _positive(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


def _on_passable(r: np.ndarray, c: np.ndarray, passable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells moved off blocked land to the nearest passable cell (a building's address is on a block)."""
    if r.size == 0 or passable[r, c].all():
        return r.astype(np.int16), c.astype(np.int16)
    _, (near_r, near_c) = ndimage.distance_transform_edt(~passable, return_indices=True)
    return near_r[r, c].astype(np.int16), near_c[r, c].astype(np.int16)


def _drawn_minutes(month: pd.Series, start: pd.Timestamp, by_hour: list[float],
                   rng: np.random.Generator) -> np.ndarray:
    """A minute within each record's month: a day uniformly, the hour from ``by_hour``, the minute uniformly."""
    first = pd.to_datetime(month.to_numpy(), format="%Y-%m")
    days = pd.DatetimeIndex(first).days_in_month.to_numpy()
    n = len(month)
    p = np.asarray(by_hour, float)
    p = p / p.sum() if p.sum() > 0 else np.full(24, 1 / 24)
    day = np.floor(rng.random(n) * days)
    hour = rng.choice(24, size=n, p=p)
    offset = ((first - start).total_seconds() / 60.0).to_numpy(float)
    return offset + day * 1440.0 + hour * 60.0 + rng.random(n) * 60.0


def resolved(calls: CallsSpec, base: Path) -> CallsSpec:
    """``calls`` with its source made absolute, relative to ``base`` (a spec file's folder)."""
    if not calls.source:
        return calls
    return dataclasses.replace(calls, source=str((base / calls.source).resolve()))


def call_overrides(calls: CallsSpec) -> dict[str, Any]:
    """The scenario overrides that replay ``calls`` (none without a source): what a sweep's or an
    optimisation's ``[calls]`` table adds to every run.
    """
    if not calls.source:
        return {}
    return {f"calls.{f.name}": getattr(calls, f.name) for f in dataclasses.fields(calls)}
