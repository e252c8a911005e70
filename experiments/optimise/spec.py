"""The optimisation spec file (TOML): decision variables, objectives, constraints, budget.

Validated completely before anything runs, like a scenario or a sweep spec: the tables are
built against the dataclasses below (:func:`polsim.scenario.validate.build`), then every
variable's bounds are applied to the scenario and validated there, every metric is checked
against a run's summary, and the deterministic constraints are checked against the bounds
(a budget no deployment in the bounds can meet is an error, not a search that finds
nothing). A problem is one :class:`~polsim.scenario.SpecError` line naming the spec file and the field.
Example::

    scenario = "nantong"
    days = 1
    objectives = ["max response_time_min.within_3", "min officer_hours"]
    constraints = ["response_time_min.within_5 >= 0.9"]
    replications = 2
    generations = 8
    population = 16

    [variables.units.motorcycle_squad]
    count = [2, 30]
    shift_start = [6, 10]
    shift_hours = [8, 16]
    base_kind = "workstation"      # candidate bases: the city's workstations (or base_cells = [[r, c], ...])
    staffed = [1, 4]               # how many of them are staffed

    [cost.motorcycle_squad]
    officer_hour = 50.0
    vehicle_day = 120.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from polsim.replay.records import call_overrides
from polsim.scenario import SpecError, load_spec
from polsim.scenario.schema import BASES, CallsSpec
from polsim.scenario.validate import bounded, build, to_plain

OFFICER_HOURS, COST = "officer_hours", "cost"
DETERMINISTIC = (OFFICER_HOURS, COST)
"""Quantities computed from a deployment without simulating it (officer-hours a day, cost a day)."""

MAX_REPLICATIONS = 1_000
"""Runs of one candidate in a generation or on the final seeds: far more than an interval needs."""
MAX_GENERATIONS = 10_000
MAX_POPULATION = 10_000
MAX_CANDIDATE_BASES = 1_000
"""Candidate bases of one unit type (each is a binary variable of the search)."""
MAX_SEED_BASE = 2**62
"""The first seed: every seed of the study (``seed_base`` + runs) must stay a 64-bit integer."""

MAX, MIN = "max", "min"
_OBJECTIVE = re.compile(r"^\s*(max|min|maximise|minimise|maximize|minimize)\s+(\S+)\s*$")
_CONSTRAINT = re.compile(r"^\s*(\S+?)\s*(<=|>=)\s*(\S+)\s*$")


@dataclass(frozen=True)
class UnitVariables:
    """What may change for one unit type: count, shift, which candidate bases are staffed."""

    count: list[int] = bounded([], "[low, high]: units of this type", ge=0)
    shift_start: list[int] = bounded([], "[low, high]: hour the shift starts", ge=0, le=23)
    shift_hours: list[int] = bounded([], "[low, high]: hours on duty a day", ge=1, le=24)
    base_kind: str = bounded("", "candidate bases: the city's generated bases of this kind",
                             allowed=("", *BASES))
    base_cells: list[list[int]] = bounded([], "candidate bases: explicit cells [row, col]", ge=0,
                                          maxlen=MAX_CANDIDATE_BASES)
    staffed: list[int] = bounded([], "[low, high]: how many candidate bases are staffed "
                                 "(default: 1 to all)", ge=0)
    max_candidates: int = bounded(0, "with base_kind: use only the first N generated bases (0: all)", ge=0,
                                  le=MAX_CANDIDATE_BASES)


@dataclass(frozen=True)
class OptionVariable:
    """A numeric policy option (``policy.*``) varied in ``[low, high]``."""

    low: float = bounded(doc="lower bound")
    high: float = bounded(doc="upper bound")
    integer: bool = bounded(False, "whole numbers only")


@dataclass(frozen=True)
class Variables:
    """The decision variables: per unit type, the policy, numeric policy options."""

    units: dict[str, UnitVariables] = field(default_factory=dict)
    policy: list[str] = bounded([], "policies to choose from (default: the spec's policy only)")
    options: dict[str, OptionVariable] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitCost:
    """Cost of one unit type: per officer-hour on duty and per vehicle-day."""

    officer_hour: float = bounded(0.0, "cost of one officer-hour on duty", ge=0)
    vehicle_day: float = bounded(0.0, "cost of one unit (vehicle) on the road for a day", ge=0)


@dataclass(frozen=True)
class Objective:
    """One objective: a metric (summary dotted name, ``officer_hours`` or ``cost``) and its sense.

    The one place that knows what ``max`` and ``min`` mean: pymoo minimises, so a maximised
    metric enters the search negated (:meth:`minimised`) and comes back with :meth:`natural`.
    """

    metric: str
    sense: str

    @classmethod
    def parse(cls, text: str, file: str = "", where: str = "objectives") -> Objective:
        """``"max METRIC"`` or ``"min METRIC"`` (also maximise/minimise, maximize/minimize)."""
        match = _OBJECTIVE.match(text)
        if not match:
            raise SpecError(file, where, f"must be 'max METRIC' or 'min METRIC', got {text!r}")
        return cls(match.group(2), MAX if match.group(1).startswith("max") else MIN)

    @property
    def deterministic(self) -> bool:
        """Computed from the deployment, not simulated."""
        return self.metric in DETERMINISTIC

    @property
    def sign(self) -> float:
        """-1 for a maximised metric, +1 for a minimised one: ``sign * value`` is to be minimised."""
        return -1.0 if self.sense == MAX else 1.0

    def minimised(self, value: float | None) -> float:
        """The value as the search ranks it (smaller is better; a missing value counts as 0)."""
        return self.sign * (0.0 if value is None else value)

    def natural(self, minimised: float) -> float:
        """A :meth:`minimised` value back in the metric's own sense."""
        return self.sign * minimised

    def best(self, values: Sequence[float]) -> float:
        """The best of ``values`` in this objective's sense."""
        return max(values) if self.sense == MAX else min(values)

    def label(self) -> str:
        """``max response_time_min.within_3``."""
        return f"{self.sense} {self.metric}"


@dataclass(frozen=True)
class Constraint:
    """``metric <= bound`` or ``metric >= bound``."""

    metric: str
    op: str
    bound: float

    @property
    def deterministic(self) -> bool:
        """Checked before simulating: a candidate that violates it is never run."""
        return self.metric in DETERMINISTIC

    def violation(self, value: float) -> float:
        """Pymoo's G (<= 0 when met), relative to the bound so constraints of any unit add up."""
        scale = abs(self.bound) if self.bound else 1.0
        excess = value - self.bound if self.op == "<=" else self.bound - value
        return excess / scale

    def label(self) -> str:
        """``officer_hours <= 400``."""
        return f"{self.metric} {self.op} {self.bound:g}"


@dataclass(frozen=True)
class OptimiseSpec:
    """A validated optimisation spec. ``file`` is where it came from; ``scenario`` is resolved."""

    scenario: str = bounded(doc="scenario file (relative to the spec) or shipped scenario name")
    name: str = bounded("", "a short name for the study")
    description: str = bounded("", "what the study asks")
    policy: str = bounded("", "policy of every candidate (unless variables.policy lists several) "
                          "and of the shipped deployment (default: the scenario's policy.name, else random)")
    objectives: list[str] = bounded([], "'max METRIC' or 'min METRIC': summary dotted names, officer_hours "
                                    "or cost", nonempty=True)
    constraints: list[str] = bounded([], "'METRIC <= NUMBER' or 'METRIC >= NUMBER'")
    replications: int = bounded(2, "runs per candidate per generation, on the generation's shared seeds", ge=1,
                                le=MAX_REPLICATIONS)
    max_replications: int = bounded(0, "a surviving candidate is re-run on each generation's fresh seeds "
                                    "until it has this many runs (0: final_replications)", ge=0,
                                    le=MAX_REPLICATIONS)
    reevaluate: bool = bounded(True, "re-run survivors on fresh seeds (false: keep first-round scores; "
                               "for comparison only)")
    final_replications: int = bounded(10, "runs of each Pareto point (and of the shipped deployment) on "
                                      "fresh common seeds for the reported intervals", ge=2,
                                      le=MAX_REPLICATIONS)
    generations: int = bounded(10, "generations, the initial population included", ge=1, le=MAX_GENERATIONS)
    population: int = bounded(20, "population size", ge=2, le=MAX_POPULATION)
    offspring: int = bounded(0, "new candidates a generation (0: the population size)", ge=0, le=MAX_POPULATION)
    seed_base: int = bounded(1, "first simulation seed", ge=0, le=MAX_SEED_BASE)
    search_seed: int = bounded(0, "seed of the search's own random choices", ge=0, le=2**32 - 1)
    days: float | None = bounded(None, "simulated days per run (overrides time.days)", gt=0)
    steps: int | None = bounded(None, "steps per run (instead of the scenario's length)", ge=1)
    backend: str = bounded("numba", "numba or mesa", allowed=("numba", "mesa"))
    variables: Variables = field(default_factory=Variables)
    cost: dict[str, UnitCost] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    calls: CallsSpec = field(default_factory=CallsSpec)
    """Recorded calls every candidate is run against (source relative to the spec; docs/replay.md)."""
    file: str = field(default="", compare=False)

    @cached_property
    def parsed_objectives(self) -> list[Objective]:
        """The objectives, parsed (once: the spec is frozen)."""
        return [Objective.parse(text, self.file, f"objectives[{i}]") for i, text in enumerate(self.objectives)]

    @cached_property
    def parsed_constraints(self) -> list[Constraint]:
        """The constraints, parsed (once: the spec is frozen)."""
        return [_constraint(text, self.file, f"constraints[{i}]") for i, text in enumerate(self.constraints)]

    @property
    def metrics(self) -> list[str]:
        """The metrics the objectives and then the constraints name, each once."""
        return list(dict.fromkeys([o.metric for o in self.parsed_objectives]
                                  + [c.metric for c in self.parsed_constraints]))

    @property
    def survivor_cap(self) -> int:
        """Runs after which a survivor is no longer re-run."""
        return self.max_replications or self.final_replications

    @property
    def n_offspring(self) -> int:
        """New candidates per generation."""
        return self.offspring or self.population

    def base_overrides(self) -> dict[str, Any]:
        """Scenario overrides of every run: the fixed values and the run length."""
        out = {**call_overrides(self.calls), **self.fixed}
        if self.days is not None:
            out["time.days"] = self.days
        return out

    def generation_seeds(self, generation: int) -> list[int]:
        """The shared seeds of a generation: fresh for each (common random numbers within it)."""
        start = self.seed_base + generation * self.replications
        return list(range(start, start + self.replications))

    def final_seeds(self) -> list[int]:
        """Fresh seeds, shared by every Pareto point and the shipped deployment."""
        start = self.seed_base + self.generations * self.replications
        return list(range(start, start + self.final_replications))

    def as_dict(self) -> dict[str, Any]:
        """Plain values (what optimise.json keeps to recognise the spec on resume)."""
        out = to_plain(self)
        out.pop("file")
        return out


def _constraint(text: str, file: str, where: str) -> Constraint:
    match = _CONSTRAINT.match(text)
    if not match:
        raise SpecError(file, where, f"must be 'METRIC <= NUMBER' or 'METRIC >= NUMBER', got {text!r}")
    try:
        bound = float(match.group(3))
    except ValueError:
        bound = math.nan
    if not math.isfinite(bound):
        raise SpecError(file, where, f"the bound must be a finite number, got {match.group(3)!r}")
    return Constraint(match.group(1), match.group(2), bound)


def scalar(value: Any, file: str, where: str) -> Any:
    """A ``fixed`` value: a number, a string or a boolean (one-line error otherwise)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecError(file, where, f"must be a finite number, got {value!r}")
    return value


def scenario_spec(spec: OptimiseSpec, overrides: dict[str, Any] | None = None):
    """The scenario under the spec's fixed overrides (and ``overrides``), validated."""
    return load_spec(spec.scenario, {**spec.base_overrides(), **(overrides or {})})[0]


def spec_from_dict(data: dict[str, Any], file: str) -> OptimiseSpec:
    """The spec as optimise.json keeps it (already validated when the study started)."""
    data = {k: v for k, v in data.items() if v is not None}
    fixed = data.pop("fixed", {})
    return replace(build(OptimiseSpec, data, file, error=SpecError), fixed=fixed, file=file)
