"""Replaying recorded calls against simulating the crime that makes them (``polsim bench`` row ``replay``).

Speed: the default scenario simulates its crime for some days; its reported incidents are written
as a generic CSV, imported, and replayed against the same deployment, so both runs serve the same
incidents at the same rate, and the replay has no offenders to move. Memory: a month of Poisson
calls at that rate replayed in stretches, peak resident memory after each (flat: the calls are read
as they fall due, not held as live incidents).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from polsim.benchmarks.engine import _child

START = pd.Timestamp("2018-07-01")
COLUMN_MAP = "id=id,time=when,row=r,col=c,type=what"

_SIMULATE = """
import json, time
import pandas as pd
from polsim import PolicingModel
m = PolicingModel("default", seed=1, overrides={{"time.days": {days}, "output.collect_every": 60}})
t0 = time.perf_counter()
m.run()
wall = time.perf_counter() - t0
t = pd.DataFrame(m.incident_table())
t = t[t["t_call"].notna()]
stamp = (pd.Timestamp("2018-07-01") + pd.to_timedelta(t["t_call"], unit="min")).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
pd.DataFrame({{"id": t["id"], "when": stamp, "r": t["row"], "c": t["col"], "what": t["type"]}}).to_csv({csv!r},
                                                                                                  index=False)
print(json.dumps({{"wall_s": wall, "steps": int(m.steps), "incidents": int(len(t))}}))
"""

_REPLAY = """
import json, resource, time
from polsim import PolicingModel
m = PolicingModel("default", seed=1, overrides={{"calls.source": {table!r}, "calls.period": {period!r},
                                                 "output.collect_every": 60}})
chunk = -(-m.max_steps // {chunks})
rss, t0 = [], time.perf_counter()
while m.steps < m.max_steps:
    m.run(min(chunk, m.max_steps - m.steps))
    rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
wall = time.perf_counter() - t0
print(json.dumps({{"wall_s": wall, "steps": int(m.steps), "incidents": len(m.incidents), "peak_rss_mib": rss,
                  "live_objects": len(m.incidents.live()), "days": m.max_steps * m.dt / 1440}}))
"""


def _period(days: int) -> str:
    last = START + pd.Timedelta(days=days - 1)
    return f"{START:%Y-%m-%d}..{last:%Y-%m-%d}"


def _import(csv: Path, table: Path) -> None:
    """``polsim data import`` of the calls onto the default city, as a user runs it."""
    subprocess.run([sys.executable, "-m", "polsim", "data", "import", str(csv), "--schema", "generic", "--map",
                    COLUMN_MAP, "--scenario", "default", "--out", str(table)], check=True, capture_output=True)


def _poisson_month(days: int, per_day: float, csv: Path) -> None:
    """``days`` of Poisson calls at ``per_day``, at the default city's passable cells, of its crime types."""
    from polsim.cities.source import city_for
    from polsim.scenario import load_scenario

    spec = load_scenario("default").spec
    city = city_for(spec.city)
    rng = np.random.default_rng(0)
    n = rng.poisson(per_day * days)
    cells = np.flatnonzero(city.passable.ravel())[rng.integers(0, int(city.passable.sum()), n)]
    minutes = np.sort(rng.random(n) * days * 1440.0)
    pd.DataFrame({"id": np.arange(n), "r": cells // city.cols, "c": cells % city.cols,
                  "when": (START + pd.to_timedelta(minutes, unit="min")).strftime("%Y-%m-%d %H:%M:%S.%f"),
                  "what": rng.choice(list(spec.crimes), n)}).to_csv(csv, index=False)


def replay_bench(quick: bool) -> dict[str, Any]:
    """Replay against simulation at the same incident rate, and a month's replay memory."""
    days, month, repeats = (2, 7, 2) if quick else (7, 30, 3)
    with tempfile.TemporaryDirectory(prefix="polsim-bench-replay-") as tmp:
        csv, table = Path(tmp) / "calls.csv", Path(tmp) / "calls.parquet"
        simulated = _child(_SIMULATE.format(days=days, csv=str(csv)))
        _import(csv, table)
        replayed = _child(_REPLAY.format(table=str(table), period=_period(days), chunks=1))
        # taken alternately, the fastest of each: a shared machine's load moves both alike
        for _ in range(repeats - 1):
            simulated["wall_s"] = min(simulated["wall_s"], _child(_SIMULATE.format(days=days, csv=str(csv)))["wall_s"])
            again = _child(_REPLAY.format(table=str(table), period=_period(days), chunks=1))
            replayed["wall_s"] = min(replayed["wall_s"], again["wall_s"])
        per_day = simulated["incidents"] / days
        _poisson_month(month, per_day, csv)
        _import(csv, table)
        long = _child(_REPLAY.format(table=str(table), period=_period(month), chunks=4 if quick else 10))
    rss = long["peak_rss_mib"]
    chunk_days = long["days"] / len(rss)
    return {"days": days, "simulated_s": simulated["wall_s"], "replay_s": replayed["wall_s"],
            "incidents": simulated["incidents"], "replayed_incidents": replayed["incidents"],
            "speedup": simulated["wall_s"] / replayed["wall_s"], "month_days": long["days"],
            "month_incidents": long["incidents"], "month_peak_rss_mib": rss,
            "month_growth_mib_per_day": (rss[-1] - rss[0]) / (chunk_days * max(len(rss) - 1, 1)),
            "month_live_objects": long["live_objects"]}
