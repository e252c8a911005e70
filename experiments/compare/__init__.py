"""Compare deployment policies (or scenarios) on common random numbers.

Every arm (a policy, or a scenario, or a scenario under a policy) runs on the same seeds;
replication ``i`` of every arm shares seed ``seed_base + i``, so offenders and every random
stream start identical and the paired differences isolate what the arms change. The first
arm is the baseline. See ``docs/compare.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from polsim.measures.treated_areas import AreaRule
from polsim.runs import Run


@dataclass(frozen=True)
class Arm:
    """One side of the comparison: a scenario under a policy, with the label the tables use."""

    label: str
    scenario: str
    policy: str


def crossed_arms(scenarios: Sequence[str], policies: Sequence[str]) -> list[Arm]:
    """Every scenario under every policy, labelled by what varies (policy, scenario, or both)."""
    def label(scenario: str, policy: str) -> str:
        if len(scenarios) == 1:
            return policy
        return scenario if len(policies) == 1 else f"{scenario}/{policy}"

    return [Arm(label(s, p), s, p) for s in scenarios for p in policies]


@dataclass(frozen=True)
class CompareSettings:
    """What to compare: the arms (the first is the baseline), replications, and how.

    The usual case is one scenario under several policies (:func:`crossed_arms`); arms may
    also be scenarios under one policy, or explicit pairs, such as a force before a reform
    under its old practice and after it under the new one.
    """

    arms: tuple[Arm, ...]
    replications: int
    seed_base: int = 1
    overrides: dict[str, Any] = field(default_factory=dict)
    backend: str = "numba"
    steps: int | None = None
    buffer_cells: float = 3.0
    cell_m: float | None = None
    treated_share: float = 0.5
    control_gap: float = 0.0
    confidence: float = 0.95

    def __post_init__(self) -> None:
        labels = [a.label for a in self.arms]
        if not labels or len(set(labels)) != len(labels):
            raise ValueError(f"arms need distinct labels, got {labels}")

    @property
    def area_rule(self) -> AreaRule:
        """How treated, buffer and control areas are drawn from each run."""
        return AreaRule(self.buffer_cells, self.treated_share, self.control_gap)

    @property
    def baseline(self) -> str:
        """The first arm's label: every difference is measured against it."""
        return self.arms[0].label

    @property
    def seeds(self) -> list[int]:
        """The seeds shared by every arm."""
        return [self.seed_base + i for i in range(self.replications)]

    @property
    def scenarios(self) -> list[str]:
        """The scenarios of the arms, each once, in order."""
        return list(dict.fromkeys(a.scenario for a in self.arms))

    def runs(self) -> list[Run]:
        """One run per arm and seed, seed-major so baselines finish early."""
        return [Run(a.scenario, a.policy, s, dict(self.overrides), self.backend, self.steps)
                for s in self.seeds for a in self.arms]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready settings (for compare.json)."""
        return {**asdict(self), "scenarios": self.scenarios, "baseline": self.baseline, "seeds": self.seeds}


__all__ = ["Arm", "CompareSettings", "crossed_arms"]
