"""Compare deployment policies on common random numbers: tables, displacement, figures, report.

Every policy runs on the same seeds; replication ``i`` of every policy shares seed
``seed_base + i``, so the city, offenders and every random stream start identical and the
paired differences isolate the policy. See ``docs/compare.md``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sim.compare.areas import AreaRule
from sim.compare.runs import RunJob, RunResult, run_all, run_one


@dataclass(frozen=True)
class CompareSettings:
    """What to compare: a scenario, policies (the first is the baseline) and replications."""

    scenario: str
    policies: tuple[str, ...]
    replications: int
    seed_base: int = 1
    overrides: dict[str, Any] = field(default_factory=dict)
    backend: str = "numba"
    dispatch: str | None = None
    steps: int | None = None
    buffer_cells: float = 3.0
    treated_share: float = 0.5
    control_gap: float = 0.0
    confidence: float = 0.95

    @property
    def area_rule(self) -> AreaRule:
        """How treated, buffer and control areas are drawn from each run."""
        return AreaRule(self.buffer_cells, self.treated_share, self.control_gap)

    @property
    def baseline(self) -> str:
        """The first policy: every difference is measured against it."""
        return self.policies[0]

    @property
    def seeds(self) -> list[int]:
        """The seeds shared by every policy."""
        return [self.seed_base + i for i in range(self.replications)]

    def jobs(self) -> list[RunJob]:
        """One job per policy and seed, seed-major so baselines finish early."""
        return [RunJob(self.scenario, p, s, dict(self.overrides), self.backend, self.dispatch, self.steps)
                for s in self.seeds for p in self.policies]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready settings (for compare.json)."""
        return {**asdict(self), "policies": list(self.policies), "baseline": self.baseline,
                "seeds": self.seeds}


__all__ = ["AreaRule", "CompareSettings", "RunJob", "RunResult", "run_all", "run_one"]
