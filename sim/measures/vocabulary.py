"""The one vocabulary of metrics: a run's ``summary.json`` values by their dotted names.

``{"response_time_min": {"within_3": 0.8}}`` is the metric ``response_time_min.within_3``;
crimes of one type are ``crimes.by_type.robbery``. Compare tables, sweep rows and reports,
and the UI's compare panel all use these names, so a number has one name from the run to the
report; this module flattens a summary into them and gives each its human label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from polsim.measures.stats import Interval, share_interval, t_interval

BY_TYPE = "crimes.by_type"
"""The table of crimes by type: each type is the metric ``crimes.by_type.<type>``."""

COMPARED = ("response_time_min.mean", "response_time_min.median", "response_time_min.p90",
            "response_time_min.within_1", "response_time_min.within_3", "response_time_min.within_5",
            "response_time_min.calls", "crimes.total", BY_TYPE, "arrests", "time_to_capture_min.mean",
            "utilisation", "visibility", "disputes_escalated")
"""The metrics ``polsim compare`` tabulates, in order (``crimes.by_type`` stands for every type)."""

LABELS = {
    "response_time_min.mean": "response time, mean (min)",
    "response_time_min.median": "response time, median (min)",
    "response_time_min.p90": "response time, 90th percentile (min)",
    "response_time_min.within_1": "calls reached within 1 min (share)",
    "response_time_min.within_3": "calls reached within 3 min (share)",
    "response_time_min.within_5": "calls reached within 5 min (share)",
    "response_time_min.calls": "calls",
    "crimes.total": "crimes, all types",
    "arrests": "arrests",
    "time_to_capture_min.mean": "time to capture, mean (min after the crime)",
    "utilisation": "unit utilisation (share of duty time busy)",
    "visibility": "police visibility (share of footfall in sight)",
    "disputes_escalated": "disputes escalated",
    "incidents": "incidents",
}
"""Human names of the metrics; any other summary number is labelled by its dotted name."""

_DESCRIBED = ("n", "mean", "median", "p90")
RUN_NUMBERS = frozenset({
    "seed", "steps", "sim_minutes", "crimes.total", "incidents", "incidents_open", "incidents_unreported",
    *(f"response_time_min.{k}" for k in (*_DESCRIBED, "calls", "within_1", "within_3", "within_5")),
    "arrests", *(f"time_to_capture_min.{k}" for k in _DESCRIBED), "utilisation", "visibility",
    *(f"disputes.{k}" for k in ("total", "mediated_by_grid_worker", "mediated_by_police", "escalated")),
    "disputes_escalated",
})
"""The numbers of every run's summary, whatever its scenario (``crimes.by_type.*`` follow its crime types)."""

OPEN_TABLES = ("detected_by",)
"""Summary tables whose entries appear as a run goes (``detected_by.victim``, ...)."""

SHARES = frozenset({"response_time_min.within_1", "response_time_min.within_3", "response_time_min.within_5",
                    "utilisation", "visibility"})
"""Metrics that are shares in [0, 1] (reports show them in %, their differences in points)."""


def flatten(summary: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``: every value of a summary under its dotted name."""
    out: dict[str, Any] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def is_number(value: Any) -> bool:
    """True for what a metric can hold: a number (not a bool) or None (no value in this run)."""
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def number_names(summary: Mapping[str, Any]) -> tuple[set[str], list[str]]:
    """The dotted names of a summary's numbers, and of its tables still empty (filled as a run goes).

    A model not yet run has detected no crime, so ``detected_by`` is empty: its metrics are
    named ``detected_by.NAME`` (``detected_by.victim``, ...) once runs fill it.
    """
    numbers = {name for name, value in flatten(summary).items() if is_number(value)}
    return numbers, _empty_tables(summary)


def summary_names(crime_types: Iterable[str]) -> tuple[set[str], list[str]]:
    """What :func:`number_names` finds in a run's summary, from the scenario's crime types alone
    (no model built): the numbers, and the tables that fill up as a run goes.
    """
    return set(RUN_NUMBERS) | {f"{BY_TYPE}.{t}" for t in crime_types}, list(OPEN_TABLES)


def _empty_tables(summary: Mapping[str, Any], prefix: str = "") -> list[str]:
    found = []
    for key, value in summary.items():
        if isinstance(value, Mapping):
            found += [f"{prefix}{key}"] if not value else _empty_tables(value, f"{prefix}{key}.")
    return found


def compared(summary: Mapping[str, Any]) -> dict[str, float | None]:
    """The metrics ``polsim compare`` tabulates, read from one run's summary, in table order."""
    flat = flatten(summary)
    out: dict[str, float | None] = {}
    for name in COMPARED:
        if name == BY_TYPE:
            out.update({f"{BY_TYPE}.{t}": n for t, n in summary["crimes"]["by_type"].items()})
        else:
            out[name] = flat[name]
    return out


def label(metric: str) -> str:
    """The human name of a metric (its dotted name when it has none)."""
    if metric.startswith(f"{BY_TYPE}."):
        return f"crimes, {metric.removeprefix(f'{BY_TYPE}.').replace('_', ' ')}"
    return LABELS.get(metric, metric)


def is_share(metric: str) -> bool:
    """True for a share in [0, 1]: shown in %, and its differences in percentage points."""
    return metric in SHARES


def interval_of(metric: str, values: Sequence[float | None], confidence: float = 0.95) -> Interval:
    """The interval of ``metric``'s mean over replications: a share's stays inside [0, 1]
    (:func:`polsim.measures.stats.share_interval`), any other metric's is the t-interval.
    """
    return (share_interval if is_share(metric) else t_interval)(values, confidence)
