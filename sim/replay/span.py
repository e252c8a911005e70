"""The bounds of a period as a user writes it: ``2018-07`` is July, ``2018-07-01`` one day.

The import's periods (:mod:`polsim.data.period`) and a replay's period read their bounds here,
so that ``2018-07..2018-08`` means the same two months to both.
"""

from __future__ import annotations

import re

import pandas as pd

MONTH = re.compile(r"^\d{4}-\d{2}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YEARS = (1900, 2200)
"""The years a period may name: within pandas' nanosecond timestamps (1677-2262), where records are."""


def _year_ok(text: str) -> bool:
    return text[:4].isdigit() and YEARS[0] <= int(text[:4]) <= YEARS[1]


def period_start(text: str) -> pd.Timestamp:
    """The first instant of a month (``YYYY-MM``) or day (``YYYY-MM-DD``) of the years ``YEARS``;
    ValueError otherwise.
    """
    if (MONTH.match(text) or DAY.match(text)) and _year_ok(text):
        return pd.Timestamp(text)
    raise ValueError(text)


def period_end(text: str) -> pd.Timestamp:
    """The instant after a month or day ends (exclusive); ValueError for anything else."""
    if not _year_ok(text):
        raise ValueError(text)
    if MONTH.match(text):
        return pd.Timestamp(text) + pd.offsets.MonthBegin(1)
    if DAY.match(text):
        return pd.Timestamp(text) + pd.Timedelta(days=1)
    raise ValueError(text)


def span(text: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``first..last`` (or one month or day) as [start, end); ValueError if it is no such span."""
    first, sep, last = (s.strip() for s in text.partition(".."))
    start, end = period_start(first), period_end(last if sep else first)
    if end <= start:
        raise ValueError(text)
    return start, end
