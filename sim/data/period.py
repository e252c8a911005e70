"""Periods of the data: ``2016-07``, ``2016-07..2017-07``, ``2018-01-01..2018-03-31``, or a
comma-separated list of those; and the days of exposure a period gives.

A range of months runs from the first day of its first month to the end of its last; a
range of days includes its last day. Monthly data (data.police.uk) only counts the months
the source actually has: ``2016-07..2017-07`` over a file holding July 2016 and July 2017 is
62 days of exposure, not 396. Timed data counts the part of the period between its first
and last record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from polsim.data.errors import DataError
from polsim.replay.span import DAY, MONTH, YEARS
from polsim.replay.span import period_end as _end
from polsim.replay.span import period_start as _start

ALLOWED = "YYYY-MM, YYYY-MM..YYYY-MM, YYYY-MM-DD..YYYY-MM-DD, or a comma-separated list of those"


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
            years = [int(t[:4]) for t in (first, last) if MONTH.match(t) or DAY.match(t)]
            if any(not YEARS[0] <= y <= YEARS[1] for y in years):
                raise DataError(option, part, f"years must lie in {YEARS[0]}..{YEARS[1]}") from None
            raise DataError(option, part, f"not a period; allowed: {ALLOWED}") from None
        if spans[-1][1] <= spans[-1][0]:
            raise DataError(option, part, "ends before it starts")
    if not spans:
        raise DataError(option, text, f"empty; allowed: {ALLOWED}")
    return Period(text, tuple(spans))


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
