"""Small optimisation problems with known answers, shared by the tests of ``polsim optimise``.

The line city: 5 x 41 cells of 100 m, uniform land use and footfall, no offenders, no
guardians, flat traffic; disputes (the only incidents) arrive uniformly over the cells and
are never mediated, and each car stays at its base and drives back to it after every job
(``dispatch.return_to_base``). A call's response is then the start delay plus the street
distance from the base over the car's speed, so for one car the mean response is least at
the median cell of the line (column 20), and for k cars at the medians of k equal segments.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from polsim.experiments.optimise.evaluate import Evaluator, Trial

FLAT = [1.0] * 24
LINE_SCENARIO: dict[str, Any] = {
    "name": "line",
    "description": "cars on a 5 x 41 street, uniform calls",
    "time": {"step_minutes": 1.0, "days": 1.0},
    "city": {"rows": 5, "cols": 41, "land_use": {"residential": 1.0}, "arterial_kmh": 40.0,
             "street_kmh": 40.0, "congestion_by_hour": FLAT, "footfall_by_hour": FLAT,
             "cameras": 0, "workstations": 1},
    "offenders": {"count": 0},
    "guardians": {"grid_workers_per_grid": 0, "volunteers": 0},
    "disputes": {"per_day": 150.0, "report_delay_min": 0.0, "on_scene_min": 1.0, "escalate_after_min": 1e12,
                 "grid_worker_mediates": 0.0},
    "units": {"car": {"kind": "patrol_car", "count": 1, "patrol": "stay", "speed_kmh": 120.0},
              "bike": {"kind": "motorcycle_squad", "count": 0, "patrol": "stay"}},
    "dispatch": {"instant_travel": False, "return_to_base": True, "backup_units": 0},
}
LINE_CELLS = [[2, c] for c in range(0, 41, 5)]
"""Nine candidate bases along the middle row; the median of the line is column 20 (index 4)."""
MEDIAN = (2, 20)


def write_toml(path: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as TOML and return the path."""
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def line_study(folder: Path, **spec: Any) -> Path:
    """The line scenario and a spec over it (``spec`` overrides the defaults); returns the spec's path."""
    write_toml(folder / "line.toml", LINE_SCENARIO)
    data: dict[str, Any] = {
        "name": "line", "scenario": "line.toml", "objectives": ["min response_time_min.mean"],
        "replications": 2, "final_replications": 4, "generations": 3, "population": 6,
        "variables": {"units": {"car": {"base_cells": LINE_CELLS, "staffed": [1, 1]}}},
    }
    for key, value in spec.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return write_toml(folder / "study.toml", data)


class Synthetic(Evaluator):
    """A stand-in for the simulator with a known truth: the mean response of each deployment.

    A run's ``response_time_min.mean`` is the truth plus noise: ``common`` (one draw per seed,
    the same for every candidate: what common random numbers share) and ``own`` (per candidate
    and seed). ``calls`` counts runs by id, so a test can check that nothing runs twice;
    ``fail_after`` raises after that many runs (a killed study).
    """

    def __init__(self, own: float = 0.05, common: float = 0.2, fail_after: int | None = None,
                 truth=None) -> None:
        self.own, self.common, self.fail_after = own, common, fail_after
        self.truth = truth or line_truth
        self.calls: list[str] = []

    def run(self, runs: list[Trial], done) -> None:
        """Score each run from its overrides, in order."""
        for run in runs:
            if self.fail_after is not None and len(self.calls) >= self.fail_after:
                raise KeyboardInterrupt("killed")
            self.calls.append(run.run_id)
            bases = [tuple(c) for c in run.overrides.get("units.car.base_cells", [])]
            count = run.overrides.get("units.car.count", 1)
            key = run.run_id.rsplit("-s", 1)[0]
            own = np.random.default_rng([run.seed, int(key, 16) if key != "shipped" else 0]).normal()
            common = np.random.default_rng([run.seed, 7]).normal()
            value = self.truth(bases, count) + self.common * common + self.own * own
            done(run, {"run_id": run.run_id, "status": "ok", "error": None, "wall_seconds": 0.0,
                       "response_time_min.mean": value, "response_time_min.within_5": 1.0 - value / 10.0})


def line_truth(bases: list[tuple[int, int]], count: int) -> float:
    """Mean distance (in tens of cells) from a uniform call on columns 0..40 to the nearest base."""
    if not bases or count == 0:
        return 10.0
    cols = np.arange(41)
    return float(np.min(np.abs(cols[:, None] - np.array([c for _, c in bases])[None, :]), axis=1).mean()) / 10.0 + 1.0


def is_close(a: float, b: float) -> bool:
    """Float equality for values computed two ways."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def v_truth(bases: list[tuple[int, int]], count: int) -> float:
    """One base: a mean response rising by 0.1 for every 5 cells away from the median (column 20)."""
    return 2.0 + 0.1 * abs(bases[0][1] - 20) / 5 if bases else 10.0


NOISY = {"replications": 1, "generations": 20, "population": 6, "max_replications": 20, "final_replications": 10}
"""The noisy case's budget: one run per candidate a generation, survivors re-run up to 20 times."""
