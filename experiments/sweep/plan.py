"""The plan of a sweep: every run (point x policy x replication) with a stable id, as plan.json.

The plan is written once, when a sweep starts, before any run: resume reads it to know
which runs exist, and the report reads it to know the design. Replication ``i`` of every
point and policy runs with seed ``seed_base + i`` (common random numbers), so differences
between points or policies at one seed come from what they change, not from the draws.
Each entry is a :class:`polsim.runs.Run` under the plan's names for it (id, point, replication).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polsim.experiments.sweep.design import GRID, grid_points, sample_points
from polsim.experiments.sweep.spec import SweepSpec, point_overrides
from polsim.files import write_atomically
from polsim.runs import Run

PLAN_FILE = "plan.json"


@dataclass(frozen=True)
class PlannedRun:
    """One run of the sweep: its id, the point (index and parameter values) and replication, and the run."""

    run_id: str
    point: int
    replication: int
    params: dict[str, Any]
    run: Run

    @property
    def seed(self) -> int:
        """The run's seed (``seed_base + replication``)."""
        return self.run.seed

    @property
    def policy(self) -> str:
        """The run's policy."""
        return self.run.policy

    def as_dict(self) -> dict[str, Any]:
        """plan.json's entry: what names the run; the rest follows from the spec."""
        return {"run_id": self.run_id, "point": self.point, "replication": self.replication,
                "seed": self.seed, "policy": self.policy, "params": self.params}


def run_of(spec: dict[str, Any], policy: str, seed: int, params: dict[str, Any]) -> Run:
    """The run of one point, policy and seed under the spec (as plain values, plan.json's ``spec``)."""
    return Run(spec["scenario"], policy, seed, point_overrides(spec["fixed"], params, spec["days"]),
               spec["backend"], spec["steps"], keep_maps=spec["baseline"] is not None)


@dataclass(frozen=True)
class Plan:
    """The resolved design of a sweep: the spec (plain values), parameter names, points and runs."""

    spec: dict[str, Any]
    spec_file: str
    parameters: list[str]
    points: list[dict[str, Any]]
    runs: list[PlannedRun]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values (what plan.json holds)."""
        return {"spec": self.spec, "spec_file": self.spec_file, "parameters": self.parameters,
                "points": self.points, "runs": [r.as_dict() for r in self.runs]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """Rebuild a plan from plan.json's content."""
        spec = data["spec"]
        runs = [PlannedRun(r["run_id"], r["point"], r["replication"], r["params"],
                           run_of(spec, r["policy"], r["seed"], r["params"])) for r in data["runs"]]
        return cls(spec, data["spec_file"], data["parameters"], data["points"], runs)


def design_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """The parameter points of the spec's design, in a fixed order."""
    if spec.design.method == GRID:
        return grid_points({name: p.values for name, p in spec.parameters.items()})
    ranges = {name: (p.low, p.high, p.integer) for name, p in spec.parameters.items()}
    return sample_points(spec.design.method, ranges, spec.design.points, spec.design.seed)


def make_plan(spec: SweepSpec) -> Plan:
    """Every run of the spec, replication-major: a sweep stopped early has covered every point."""
    points = design_points(spec)
    plain = spec.as_dict()
    runs = []
    for rep in range(spec.replications):
        seed = spec.seed_base + rep
        for k, point in enumerate(points):
            for policy in spec.policies:
                runs.append(PlannedRun(f"r{len(runs):06d}", k, rep, dict(point),
                                       run_of(plain, policy, seed, dict(point))))
    return Plan(plain, spec.file, list(spec.parameters), points, runs)


def write_plan(out: Path, plan: Plan) -> Path:
    """Write plan.json into ``out`` atomically."""
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(plan.as_dict(), indent=1, allow_nan=False) + "\n"
    write_atomically(out / PLAN_FILE, lambda p: p.write_text(text, encoding="utf-8"))
    return out / PLAN_FILE


def read_plan(out: Path) -> Plan:
    """The plan of the sweep in ``out`` (FileNotFoundError when there is none, ValueError when it is not one)."""
    path = Path(out) / PLAN_FILE
    try:
        return Plan.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"{path} is not a sweep plan written by polsim sweep ({type(err).__name__}: {err})") from None
