"""The plan of a sweep: every run (point x policy x replication) with a stable id, as plan.json.

The plan is written once, when a sweep starts, before any run: resume reads it to know
which runs exist, and the report reads it to know the design. Replication ``i`` of every
point and policy runs with seed ``seed_base + i`` (common random numbers), so differences
between points or policies at one seed come from what they change, not from the draws.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from polsim.experiments.design import GRID, grid_points, sample_points
from polsim.experiments.spec import SweepSpec
from polsim.output import write_atomically

PLAN_FILE = "plan.json"


@dataclass(frozen=True)
class RunSpec:
    """One run of the sweep: a parameter point under a policy with a seed."""

    run_id: str
    point: int
    replication: int
    seed: int
    policy: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """The resolved design of a sweep: the spec (plain values), parameter names, points and runs."""

    spec: dict[str, Any]
    spec_file: str
    parameters: list[str]
    points: list[dict[str, Any]]
    runs: list[RunSpec]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values (what plan.json holds)."""
        return {"spec": self.spec, "spec_file": self.spec_file, "parameters": self.parameters,
                "points": self.points, "runs": [asdict(r) for r in self.runs]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """Rebuild a plan from plan.json's content."""
        runs = [RunSpec(**r) for r in data["runs"]]
        return cls(data["spec"], data["spec_file"], data["parameters"], data["points"], runs)


def design_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """The parameter points of the spec's design, in a fixed order."""
    if spec.design.method == GRID:
        return grid_points({name: p.values for name, p in spec.parameters.items()})
    ranges = {name: (p.low, p.high, p.integer) for name, p in spec.parameters.items()}
    return sample_points(spec.design.method, ranges, spec.design.points, spec.design.seed)


def make_plan(spec: SweepSpec) -> Plan:
    """Every run of the spec, replication-major: a sweep stopped early has covered every point."""
    points = design_points(spec)
    runs = []
    for rep in range(spec.replications):
        for k, point in enumerate(points):
            for policy in spec.policies:
                run_id = f"r{len(runs):06d}"
                runs.append(RunSpec(run_id, k, rep, spec.seed_base + rep, policy, dict(point)))
    return Plan(spec.as_dict(), spec.file, list(spec.parameters), points, runs)


def write_plan(out: Path, plan: Plan) -> Path:
    """Write plan.json into ``out`` atomically."""
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(plan.as_dict(), indent=1, allow_nan=False) + "\n"
    write_atomically(out / PLAN_FILE, lambda p: p.write_text(text, encoding="utf-8"))
    return out / PLAN_FILE


def read_plan(out: Path) -> Plan:
    """The plan of the sweep in ``out`` (FileNotFoundError when there is none)."""
    return Plan.from_dict(json.loads((Path(out) / PLAN_FILE).read_text(encoding="utf-8")))
