"""What a period of records says, on a scenario's city: counts by type and cell, by hour, and
the delays the data times (report delays, dispatch, travel and response times).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from polsim.data.errors import DataError
from polsim.data.period import Period, exposure_days, in_period
from polsim.data.place import frame_of, place_records
from polsim.data.read import MAX_OUTSIDE, Records
from polsim.data.typemap import DISPUTE


@dataclass
class Observed:
    """A period of records on a city."""

    types: list[str]
    counts: np.ndarray
    """Records by type, row, col."""
    days: float
    """Days of exposure (see :func:`polsim.data.period.exposure_days`)."""
    by_hour: np.ndarray | None
    """Records by hour of day (of the crime where known, else of the call) and type, shape
    (24, types); None for data without times."""
    outside: int
    delays: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The period's placed records' type, priority and delay columns (minutes; NaN: not known)."""
    disputes: int = 0
    """Records of the period typed as the model's disputes (:data:`~polsim.data.typemap.DISPUTE`):
    not crimes, so in none of the counts above."""

    @property
    def disputes_per_day(self) -> float:
        """The disputes' rate, what a scenario's ``disputes.per_day`` says."""
        return self.disputes / self.days if self.days > 0 else 0.0

    @property
    def total(self) -> int:
        """Records placed on the city in the period."""
        return int(self.counts.sum())


def observe(records: Records, city, types: list[str], period: Period, file: str,
            max_outside: float = MAX_OUTSIDE) -> Observed:
    """The records of ``period`` placed on ``city`` (a one-line error when the period is empty,
    a type is not the scenario's, or too many records fall off the city).
    """
    table, meta = records.table, records.meta
    timed = bool(meta.get("has_times"))
    chosen = table[(table["status"] == "ok").to_numpy() & in_period(table, period, timed)]
    dispute = chosen["type"].eq(DISPUTE).to_numpy()
    disputes, chosen = int(dispute.sum()), chosen[~dispute]
    if chosen.empty:
        raise DataError(file, "--period", f"{period.text} has no usable records; the data covers "
                        f"{', '.join(meta.get('months', [])) or 'no month'}")
    unknown = sorted(set(chosen["type"]) - set(types))
    if unknown:
        raise DataError(file, "type", f"{unknown[0]!r} is not a crime type of the scenario; allowed: "
                        f"{', '.join(types)} (re-import with a --types table that maps onto them)")
    placed = place_records(chosen, meta.get("crs", "unknown"), frame_of(city), file)
    on = placed.row >= 0
    outside = int((placed.located & ~on).sum())
    if outside > max_outside * max(int(placed.located.sum()), 1):
        raise DataError(file, "", f"{outside} of {int(placed.located.sum())} records of {period.text} fall "
                        f"outside the scenario's city (over the {max_outside:.0%} allowed): is the city "
                        "placed over the data (city.origin, rows, cols, cell_m)?")
    kept = chosen[on]
    k = kept["type"].map({t: i for i, t in enumerate(types)}).to_numpy()
    counts = np.zeros((len(types), city.rows, city.cols))
    np.add.at(counts, (k, placed.row[on], placed.col[on]), 1)
    by_hour = None
    if timed:
        by_hour = np.zeros((24, len(types)))
        # the hour of the crime where the data has it, else of the call (later by the report delay)
        hours = kept["occurred"].fillna(kept["time"]).dt.hour.to_numpy()
        np.add.at(by_hour, (hours, k), 1)
    cols = ["type", "priority", "self_initiated", "report_delay_min", "dispatch_min", "travel_min",
            "response_min"]
    return Observed(list(types), counts, exposure_days(table, period, timed), by_hour, outside,
                    kept[cols].reset_index(drop=True), disputes)
