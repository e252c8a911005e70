"""Run metrics, accumulated as the run goes: counts, rasters, running sums; and the readers of
the incident log's columns (summary, response times, the incident table).

Nothing keeps a step's full state, so memory stays flat however long the run; incidents are
kept, compactly, as the incident log's columns because the report lists them, and read as
columns so that a long run's summary never rebuilds its incidents as objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from polsim.engine.incident import NAN, Incident, is_call, is_open, reported_by, status
from polsim.rules.presence import sum_where_positive

if TYPE_CHECKING:
    from polsim.cities.city import City

RESPONSE_TARGETS_MIN = (1, 3, 5)
"""The reports' 1-3-5 minute response circles."""

INCIDENT_COLUMNS = (
    "id", "type", "priority", "row", "col", "grid_code", "t_crime", "t_detect", "t_call",
    "t_dispatch", "t_first_arrival", "t_close", "detected_by", "on_view", "first_unit_id",
    "first_unit_type", "arrested", "t_capture", "escalated", "mediated_by", "status",
)

RESPONSE_COLUMNS = ("t_call", "on_view", "t_arrival")
"""The incident fields :func:`response_times` reads."""

SUMMARY_COLUMNS = (*RESPONSE_COLUMNS, "t_close", "mediated_by", "detected_by")
"""The incident fields :meth:`RunMetrics.summary` reads."""

Columns = Mapping[str, np.ndarray]
"""Incident fields as arrays, one row per incident in order of id (``IncidentLog.columns``)."""


class RunMetrics:
    """Everything a run reports, updated step by step and incident by incident."""

    def __init__(self, crime_types: list[str], city: City) -> None:
        self.city = city
        self.crime_types = list(crime_types)
        shape = (len(self.crime_types), city.rows, city.cols)
        self.crimes_by_cell = np.zeros(shape, np.int64)
        self.crimes_by_hour = np.zeros((24, len(self.crime_types)), np.int64)
        self.arrests = 0
        self.capture_minutes: list[float] = []
        self.busy_unit_minutes = 0.0
        self.duty_unit_minutes = 0.0
        self.seen_footfall = 0.0
        self.total_footfall = 0.0
        self._footfall_hour: tuple[int, np.ndarray, float] | None = None
        self._footfall_cdf: tuple[int, np.ndarray] | None = None
        self.disputes = {"total": 0, "mediated_by_grid_worker": 0, "mediated_by_police": 0,
                         "escalated": 0}
        self.step_crimes = 0

    def record_crime(self, type_idx: int, r: int, c: int, hour: int) -> None:
        """A crime happened (reported or not)."""
        self.crimes_by_cell[type_idx, r, c] += 1
        self.crimes_by_hour[hour, type_idx] += 1
        self.step_crimes += 1

    def record_arrest(self, minutes_after_crime: float) -> None:
        """An offender was arrested this long after the crime."""
        self.arrests += 1
        self.capture_minutes.append(minutes_after_crime)

    def record_dispute(self, inc: Incident) -> None:
        """A dispute ended: mediated by a grid worker or police, or escalated."""
        self.disputes["total"] += 1
        if inc.escalated:
            self.disputes["escalated"] += 1
        elif inc.mediated_by:
            self.disputes[f"mediated_by_{inc.mediated_by}"] += 1

    def record_step(self, busy: int, on_duty: int, dt: float, sight: np.ndarray,
                    hour: int) -> None:
        """Unit-minutes busy and on duty; footfall within police sight at the hour of day."""
        self.busy_unit_minutes += busy * dt
        self.duty_unit_minutes += on_duty * dt
        footfall, total = self.footfall(hour)
        self.seen_footfall += sum_where_positive(footfall, sight) * dt
        self.total_footfall += total * dt

    def footfall(self, hour: int) -> tuple[np.ndarray, float]:
        """The city's footfall raster at ``hour`` and its sum, rebuilt only when the hour changes.

        A whole-raster product and sum every step is a large share of a city-scale step; both
        only change with the hour (the same numbers as computing them every step).
        """
        if self._footfall_hour is None or self._footfall_hour[0] != hour % 24:
            footfall = self.city.footfall(hour)
            self._footfall_hour = (hour % 24, footfall, float(footfall.sum()))
        return self._footfall_hour[1], self._footfall_hour[2]

    def footfall_cdf(self, hour: int) -> np.ndarray:
        """Cumulative share of the footfall over cells (row-major) at ``hour``, built once an hour.

        ``cdf.searchsorted(u, side="right")`` gives exactly the cells ``Generator.choice`` with
        ``p=footfall / footfall.sum()`` draws from the same uniforms (it builds this very array
        on every call, a whole-raster pass every step at city scale).
        """
        if self._footfall_cdf is None or self._footfall_cdf[0] != hour % 24:
            footfall, total = self.footfall(hour)
            cdf = np.cumsum(footfall.ravel() / total)
            cdf /= cdf[-1]
            self._footfall_cdf = (hour % 24, cdf)
        return self._footfall_cdf[1]

    def summary(self, incidents: Columns, now: float) -> dict[str, Any]:
        """The run's headline numbers at ``now`` (no wall-clock value, so seeded runs repeat
        byte for byte).

        ``incidents`` holds at least the ``SUMMARY_COLUMNS`` of every incident. The summary's
        ``incidents`` counts those reported by the end of the run (the rows of the incident
        table with status open or closed); a crime whose call has not come yet is an
        ``incidents_unreported``, not a call, and has no detector yet in ``detected_by``.
        """
        by_type = self.crimes_by_cell.sum(axis=(1, 2))
        reported = reported_by(incidents["t_call"], incidents["mediated_by"], now)
        n_reported = int(reported.sum())
        return {
            "crimes": {"total": int(by_type.sum()),
                       "by_type": {k: int(v) for k, v in zip(self.crime_types, by_type, strict=True)}},
            "incidents": n_reported,
            "incidents_open": int((reported & is_open(incidents["t_close"])).sum()),
            "incidents_unreported": reported.size - n_reported,
            "response_time_min": response_stats(incidents, now),
            "arrests": self.arrests,
            "time_to_capture_min": describe_minutes(np.array(self.capture_minutes)),
            "utilisation": _ratio(self.busy_unit_minutes, self.duty_unit_minutes),
            "visibility": _ratio(self.seen_footfall, self.total_footfall),
            "disputes": dict(self.disputes),
            "disputes_escalated": self.disputes["escalated"],
            "detected_by": _count(incidents["detected_by"][reported]),
        }


def response_stats(incidents: Columns, now: float) -> dict[str, float]:
    """Response time from call to first unit on scene, over the calls received by ``now``.

    On-view incidents (a unit saw the crime) have no call to respond to and are left out;
    a call still unreached counts against every within-N share.
    """
    reached, n_calls = response_times(incidents, now)
    return {**describe_minutes(reached), **response_shares(reached, n_calls)}


def response_shares(reached: np.ndarray, n_calls: int) -> dict[str, float | None]:
    """The number of calls and the share reached within each target (None: no call yet): the
    part of :func:`response_stats` that needs no sorting, which the DataCollector takes every step.
    """
    return shares_of_calls(within_counts(reached), n_calls)


def within_counts(reached: np.ndarray) -> np.ndarray:
    """How many of the ``reached`` times (minutes) are within each of ``RESPONSE_TARGETS_MIN``."""
    return np.array([np.count_nonzero(reached <= target) for target in RESPONSE_TARGETS_MIN], np.int64)


def shares_of_calls(within: np.ndarray, n_calls: int) -> dict[str, float | None]:
    """``response_shares`` from the counts of :func:`within_counts` (None: no call yet)."""
    out: dict[str, float | None] = {"calls": n_calls}
    for target, count in zip(RESPONSE_TARGETS_MIN, within.tolist(), strict=True):
        out[f"within_{target}"] = _ratio(float(count), n_calls)
    return out


def response_times(incidents: Columns, now: float) -> tuple[np.ndarray, int]:
    """Response times (minutes) of the calls a unit reached, and the number of calls by ``now``.

    The calls are the incidents whose call reached dispatch by ``now`` (the end of the run):
    on-view incidents, disputes a grid worker settled and crimes whose call is still to come
    are not calls. Shares within N minutes divide by the number of calls, so calls still
    unreached count against them (used by the summary and the compare CDFs). ``incidents``
    holds at least the ``RESPONSE_COLUMNS``; the times come in order of id.
    """
    calls = is_call(incidents["t_call"], incidents["on_view"], now)
    times = incidents["t_arrival"][calls] - incidents["t_call"][calls]
    return times[np.isfinite(times)], int(calls.sum())


def describe_minutes(values: np.ndarray) -> dict[str, float]:
    """Count, mean, median and 90th percentile of some minutes (None each when there are none)."""
    if values.size == 0:
        return {"n": 0, "mean": None, "median": None, "p90": None}
    return {"n": int(values.size), "mean": float(values.mean()),
            "median": float(np.median(values)), "p90": float(np.percentile(values, 90))}


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den else None


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        if item:
            out[item] = out.get(item, 0) + 1
    return dict(sorted(out.items()))


def incident_rows(incidents: Columns, now: float, grid_codes_at, first_id: int = 0) -> dict[str, np.ndarray]:
    """The columns of ``incidents.parquet`` from every field of the incidents ``first_id`` on,
    as known at ``now`` (``grid_codes_at(rows, cols)`` gives the cells' grid codes).

    A detection or call scheduled after the end of the run has not happened: its time is NaN
    (and the detector blank while nobody has detected it), and the row's ``status`` is
    ``unreported``, so the table and the summary agree on what a call is.
    """
    i = incidents
    r, c = i["r"].astype(np.int32), i["c"].astype(np.int32)
    t_detect = np.where(i["t_detect"] <= now, i["t_detect"], NAN)
    detected_by = np.where(np.isnan(t_detect), "", i["detected_by"]).astype(object)
    values = (np.arange(first_id, first_id + r.size), i["kind"], i["priority"], r, c,
              grid_codes_at(r, c), i["t_crime"], t_detect,
              np.where(i["t_call"] <= now, i["t_call"], NAN), i["t_dispatch"], i["t_arrival"],
              i["t_close"], detected_by, i["on_view"], i["first_unit"], i["first_unit_type"], i["arrested"],
              i["t_capture"], i["escalated"], i["mediated_by"],
              status(i["t_call"], i["mediated_by"], i["t_close"], now).astype(object))
    return dict(zip(INCIDENT_COLUMNS, values, strict=True))
