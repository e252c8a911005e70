"""Static against dynamic: who could be reached (the circles) against who was (a run).

For the calls of a run placed in each hour of the day studied, the static share is the share
whose cell lies inside the band of the deployment's field at that hour; the dynamic share is
the run's own: calls whose first unit arrived within the band (a call never reached counts
against it, as in the run's ``within_N``).
"""

from __future__ import annotations

import numpy as np

from polsim.coverage.study import Study
from polsim.engine.incident import is_call


def static_dynamic(study: Study, incidents, start_hour: int, label: str) -> list[dict]:
    """One row per hour studied and band: calls, static share, dynamic share."""
    t_call = incidents["t_call"].to_numpy(float)
    calls = is_call(np.nan_to_num(t_call, nan=np.inf), incidents["on_view"].to_numpy(bool), np.inf)
    calls &= np.isfinite(t_call)
    hour_of_call = ((start_hour + np.floor(t_call[calls] / 60.0)) % 24).astype(int)
    r, c = incidents["row"].to_numpy()[calls], incidents["col"].to_numpy()[calls]
    response = incidents["t_first_arrival"].to_numpy(float)[calls] - t_call[calls]
    reached = np.nan_to_num(response, nan=np.inf)
    static = np.full(hour_of_call.size, np.inf)  # each call's minutes in the field of its hour
    rows = []
    for hour in study.request.hours:
        here = hour_of_call == hour
        static[here] = study.minutes[hour, label][r[here], c[here]]
        rows += [_row(f"{hour:02d}:00", band, static[here], reached[here]) for band in study.request.bands]
    studied = np.isin(hour_of_call, study.request.hours)
    if len(study.request.hours) > 1:
        rows += [_row("hours studied", band, static[studied], reached[studied]) for band in study.request.bands]
    return rows


def _row(hour: str, band: float, static: np.ndarray, reached: np.ndarray) -> dict:
    n = int(static.size)
    return {"hour": hour, "band_min": f"{band:g}", "calls": n,
            "static_share": float((static <= band).mean()) if n else None,
            "run_share": float((reached <= band).mean()) if n else None}
