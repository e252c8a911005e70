"""Periods of the data: ``2016-07``, ``2016-07..2017-07``, ``2018-01-01..2018-03-31``, or a
comma-separated list of those; and the days of exposure a period gives.

A range of months runs from the first day of its first month to the end of its last; a
range of days includes its last day. Monthly data (data.police.uk) only counts the months
the source actually has: ``2016-07..2017-07`` over a file holding July 2016 and July 2017 is
62 days of exposure, not 396. Timed data counts the part of the period between its first
and last record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from polsim.data.errors import DataError

_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ALLOWED = "YYYY-MM, YYYY-MM..YYYY-MM, YYYY-MM-DD..YYYY-MM-DD, or a comma-separated list of those"
YEARS = (1900, 2200)
"""The years a period may name: within pandas' nanosecond timestamps (1677-2262), where records are."""


@dataclass(frozen=True)
class Period:
    """Half-open intervals [start, end) of time, as the user wrote them."""

    text: str
    spans: tuple[tuple[pd.Timestamp, pd.Timestamp], ...]

    def months(self) -> list[str]:
        """Every month any span touches, as YYYY-MM."""
        out: set[str] = set()
        for start, end in self.spans:
            out.update(pd.period_range(start, end - pd.Timedelta(seconds=1), freq="M").strftime("%Y-%m"))
        return sorted(out)


def parse_period(text: str, option: str = "--period") -> Period:
    """Read a period (see the module docstring)."""
    spans = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, sep, last = (s.strip() for s in part.partition(".."))
        last = last if sep else first
        try:
            spans.append((_start(first), _end(last)))
        except ValueError:
            years = [int(t[:4]) for t in (first, last) if _MONTH.match(t) or _DAY.match(t)]
            if any(not YEARS[0] <= y <= YEARS[1] for y in years):
                raise DataError(option, part, f"years must lie in {YEARS[0]}..{YEARS[1]}") from None
            raise DataError(option, part, f"not a period; allowed: {ALLOWED}") from None
        if spans[-1][1] <= spans[-1][0]:
            raise DataError(option, part, "ends before it starts")
    if not spans:
        raise DataError(option, text, f"empty; allowed: {ALLOWED}")
    return Period(text, tuple(spans))


def _start(text: str) -> pd.Timestamp:
    if (_MONTH.match(text) or _DAY.match(text)) and YEARS[0] <= int(text[:4]) <= YEARS[1]:
        return pd.Timestamp(text)
    raise ValueError(text)


def _end(text: str) -> pd.Timestamp:
    if not YEARS[0] <= int(text[:4] if text[:4].isdigit() else 0) <= YEARS[1]:
        raise ValueError(text)
    if _MONTH.match(text):
        return pd.Timestamp(text) + pd.offsets.MonthBegin(1)
    if _DAY.match(text):
        return pd.Timestamp(text) + pd.Timedelta(days=1)
    raise ValueError(text)


def in_period(table: pd.DataFrame, period: Period, timed: bool) -> np.ndarray:
    """Rows of the table inside the period (by time when the data is timed, else by month)."""
    if not timed:
        return table["month"].isin(period.months()).to_numpy()
    t = table["time"]
    inside = np.zeros(len(table), bool)
    for start, end in period.spans:
        inside |= ((t >= start) & (t < end)).to_numpy()
    return inside


def exposure_days(table: pd.DataFrame, period: Period, timed: bool) -> float:
    """Days of the period the data covers (see the module docstring)."""
    if not timed:
        have = set(table["month"].unique())
        return float(sum(pd.Period(m, "M").days_in_month for m in period.months() if m in have))
    t = table["time"].dropna()
    if t.empty:
        return 0.0
    first, last = t.min().normalize(), t.max().normalize() + pd.Timedelta(days=1)
    days = 0.0
    for start, end in period.spans:
        overlap = min(end, last) - max(start, first)
        days += max(overlap.total_seconds(), 0.0) / 86400.0
    return days
