"""The sweep spec file (TOML): what to vary, under which policies, how many replications.

Validated like a scenario, before anything runs: :func:`polsim.scenario.validate.build` checks
the tables against the dataclasses below, and every parameter value and fixed override is
applied to the scenario and validated there, so a wrong field or an out-of-range value is a
one-line :class:`~polsim.scenario.SpecError` naming the spec file and the field. Example::

    scenario = "nantong"
    policies = ["motorcycle_rapid"]
    replications = 4
    days = 1
    metrics = ["response_time_min.within_3", "response_time_min.mean"]

    [design]
    method = "grid"            # or "lhs" / "sobol" with points = N and low/high ranges

    [parameters."units.motorcycle_squad.count"]
    values = [2, 4, 6, 8]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from polsim.experiments.sweep.design import GRID, METHODS, SOBOL
from polsim.measures.vocabulary import summary_names
from polsim.replay.records import call_overrides, resolved
from polsim.scenario import ScenarioError, SpecError, load_spec
from polsim.scenario.loader import read_toml, resolve_path
from polsim.scenario.schema import CallsSpec
from polsim.scenario.validate import bounded, build, to_plain

DEFAULT_METRICS = ["crimes.total", "response_time_min.mean", "response_time_min.p90",
                   "response_time_min.within_3", "arrests", "utilisation"]
"""What the report shows when a spec names no metrics."""

BACKENDS = ("numba", "mesa")

MAX_RUNS = 100_000
"""The most runs a plan may hold unless the user raises it (``polsim sweep --max-runs``): a
plan is written whole (plan.json, about 100 bytes a run) before any run, and a sweep of more
runs than this is a typo more often than a study."""


@dataclass(frozen=True)
class Parameter:
    """One varied scenario field: listed ``values`` (grid), or a ``low``-``high`` range (samples)."""

    values: list[Any] = field(default_factory=list)
    low: float | None = bounded(None, "lower end of the range (lhs, sobol)")
    high: float | None = bounded(None, "upper end of the range (lhs, sobol)")
    integer: bool = bounded(False, "sampled values are integers in [low, high]")


@dataclass(frozen=True)
class Design:
    """How parameter points are chosen: a full grid, or ``points`` samples (seeded)."""

    method: str = bounded(GRID, "grid, lhs (Latin hypercube) or sobol (scrambled Sobol)", allowed=METHODS)
    points: int = bounded(8, "number of sampled points (lhs, sobol; a power of 2 for sobol)", ge=1)
    seed: int = bounded(0, "seed of the sample", ge=0)


@dataclass(frozen=True)
class ReportSpec:
    """What ``polsim report`` draws: the two parameters of the heatmap (default: the first two)."""

    heatmap: list[str] = bounded([], "two parameter names", length=None)


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep spec. ``file`` is where it came from; ``scenario`` is resolved."""

    scenario: str = bounded(doc="scenario file (relative to the spec) or shipped scenario name")
    name: str = bounded("", "a short name for the sweep")
    description: str = bounded("", "what the sweep asks")
    policies: list[str] = bounded(["random"], "policies, each run on every point and seed", nonempty=True)
    replications: int = bounded(1, "seeds per point and policy, shared by all (common random numbers)", ge=1)
    seed_base: int = bounded(1, "replication i runs with seed seed_base + i", ge=0)
    metrics: list[str] = bounded(DEFAULT_METRICS, "dotted paths into the run summary, shown by the report",
                                 nonempty=True)
    days: float | None = bounded(None, "simulated days per run (overrides time.days)", gt=0)
    steps: int | None = bounded(None, "steps per run (instead of the scenario's length)", ge=1)
    backend: str = bounded("numba", "numba or mesa", allowed=BACKENDS)
    baseline: str | None = bounded(None, "policy whose runs are the 'before' of displacement measures")
    buffer_m: float = bounded(300.0, "displacement: width of the buffer ring (metres, as the scenario's "
                              "policy.buffer_m)", gt=0, le=100_000)
    treated_share: float = bounded(0.5, "displacement: a cell is treated when the policy treated it in at "
                                   "least this share of hourly samples", gt=0, le=1)
    design: Design = field(default_factory=Design)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    report: ReportSpec = field(default_factory=ReportSpec)
    calls: CallsSpec = field(default_factory=CallsSpec)
    """Recorded calls every run replays (source relative to the spec; docs/replay.md)."""
    file: str = field(default="", compare=False)

    def overrides(self, point: dict[str, Any]) -> dict[str, Any]:
        """The scenario overrides of one point: fixed values, the point, and ``days``."""
        return point_overrides(self.fixed, point, self.days)

    @property
    def point_count(self) -> int:
        """How many points the design has (counted, not drawn: a huge grid costs nothing here)."""
        if self.design.method == GRID:
            return math.prod(len(p.values) for p in self.parameters.values())
        return self.design.points

    @property
    def run_count(self) -> int:
        """How many runs the plan holds: points x policies x replications."""
        return self.point_count * len(self.policies) * self.replications

    def as_dict(self) -> dict[str, Any]:
        """Plain values (what plan.json keeps to recognise the spec on resume)."""
        out = to_plain(self)
        out.pop("file")
        return out


def point_overrides(fixed: dict[str, Any], point: dict[str, Any], days: float | None) -> dict[str, Any]:
    """The scenario overrides of one point: the fixed values, the point's, and ``days`` as ``time.days``."""
    out = {**fixed, **point}
    if days is not None:
        out["time.days"] = days
    return out


def read_spec_toml(path: Path) -> dict[str, Any]:
    """A spec file's tables (read as a scenario file is: bounded, one-line errors), or a :class:`SpecError`."""
    try:
        return dict(read_toml(path))
    except ScenarioError as err:
        raise SpecError(err.file, err.field, err.problem) from None


def load_sweep(path: str | Path, max_runs: int = MAX_RUNS) -> SweepSpec:
    """Read and validate a sweep spec file completely; raises :class:`~polsim.scenario.SpecError`.

    A plan of more than ``max_runs`` runs is refused before anything is drawn or loaded.
    """
    path = Path(path)
    file = str(path)
    data = read_spec_toml(path)
    if "buffer_cells" in data:
        raise SpecError(file, "buffer_cells", "replaced by buffer_m, the buffer ring's width in metres "
                        "(3 cells of 100 m is buffer_m = 300, the default)")
    fixed = _table(data.pop("fixed", {}), file, "fixed")
    params = _table(data.pop("parameters", {}), file, "parameters")
    spec = build(SweepSpec, data, file, error=SpecError)
    built = {name: _parameter(raw, file, f"parameters.{name}") for name, raw in params.items()}
    scenario = scenario_path(spec.scenario, path.parent)
    calls = resolved(spec.calls, path.parent)
    if calls.source and spec.days is not None:
        raise SpecError(file, "days", "a replay runs over its calls.period; allowed: steps to run part of it")
    # the replay is fixed for every run: plan.json's fixed values carry it to each
    fixed = {**call_overrides(calls), **{k: _scalar(v, file, f"fixed.{k}") for k, v in fixed.items()}}
    spec = replace(spec, parameters=built, fixed=fixed, scenario=scenario, calls=calls, file=file)
    _check(spec, max_runs)
    return spec


def _table(value: Any, file: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(file, where, f"must be a table, got {value!r}")
    return value


def _scalar(value: Any, file: str, where: str) -> Any:
    if isinstance(value, dict | list) or (isinstance(value, float) and not math.isfinite(value)):
        raise SpecError(file, where, f"must be a number, a string or true/false, got {value!r}")
    return value


def _parameter(raw: Any, file: str, where: str) -> Parameter:
    raw = dict(_table(raw, file, where))
    values = raw.pop("values", None)
    param = build(Parameter, raw, file, where, error=SpecError)
    if values is None:
        return param
    if not isinstance(values, list) or not values:
        raise SpecError(file, f"{where}.values", "must be a non-empty list of values")
    values = [_scalar(v, file, f"{where}.values[{i}]") for i, v in enumerate(values)]
    if len(set(map(repr, values))) != len(values):
        raise SpecError(file, f"{where}.values", "lists a value twice")
    return replace(param, values=values)


def scenario_path(scenario: str, base: Path) -> str:
    """A scenario path relative to the spec's folder, or a shipped scenario name as it is."""
    local = base / scenario
    if scenario.endswith(".toml") and local.exists():
        return str(local.resolve())
    return str(resolve_path(scenario))


def _check(spec: SweepSpec, max_runs: int) -> None:
    """Cross-field checks: the design's needs, the plan's size, policies, every value against the scenario."""
    file = spec.file
    if spec.days is not None and spec.steps is not None:
        raise SpecError(file, "steps", "give days or steps, not both")
    if not spec.parameters:
        raise SpecError(file, "parameters", "must name at least one scenario field to vary")
    for name, p in spec.parameters.items():
        _check_parameter(spec, name, p)
    if spec.design.method == SOBOL and spec.design.points & (spec.design.points - 1):
        raise SpecError(file, "design.points", f"must be a power of 2 for sobol (balance), "
                            f"got {spec.design.points}")
    _check_size(spec, max_runs)
    _check_policies(spec)
    heat = spec.report.heatmap
    if heat and (len(heat) != 2 or any(h not in spec.parameters for h in heat)):
        raise SpecError(file, "report.heatmap", f"must name two of the parameters "
                            f"({', '.join(spec.parameters)}), got {heat}")
    _check_against_scenario(spec)
    _check_metrics(spec)


def _check_size(spec: SweepSpec, max_runs: int) -> None:
    """Refuse a plan above ``max_runs`` runs, from its counts alone (nothing drawn or allocated)."""
    if spec.run_count <= max_runs:
        return
    points, policies, reps = spec.point_count, len(spec.policies), spec.replications
    field = "parameters" if points > max_runs else "replications"
    raise SpecError(spec.file, field, f"the plan would hold {spec.run_count:,} runs ({points:,} "
                        f"point{'s' * (points != 1)} x {policies} polic{'ies' if policies != 1 else 'y'} x {reps:,} "
                        f"replication{'s' * (reps != 1)}), above the limit of {max_runs:,}; vary fewer values, "
                        "lower replications or design.points, or raise the limit with --max-runs")


def _check_metrics(spec: SweepSpec) -> None:
    """Every metric must be a number in a run's summary (the vocabulary's names for the scenario's crimes)."""
    numbers, open_tables = summary_names(load_spec(spec.scenario, spec.overrides({}))[0].crimes)
    for i, metric in enumerate(spec.metrics):
        if metric in numbers or any(metric.startswith(f"{t}.") for t in open_tables):
            continue
        raise SpecError(spec.file, f"metrics[{i}]", f"{metric!r} is not a number in a run's summary; "
                            f"allowed: {', '.join(sorted(numbers))}, or {', '.join(f'{t}.NAME' for t in open_tables)}")


def _check_parameter(spec: SweepSpec, name: str, p: Parameter) -> None:
    where = f"parameters.{name}"
    if spec.design.method == GRID:
        if not p.values:
            raise SpecError(spec.file, f"{where}.values", "is required by the grid design")
        if p.low is not None or p.high is not None:
            raise SpecError(spec.file, where, "low/high are for lhs or sobol designs; a grid lists values")
        return
    if p.values:
        raise SpecError(spec.file, f"{where}.values", f"a {spec.design.method} design samples "
                            "a range: give low and high instead")
    if p.low is None or p.high is None:
        raise SpecError(spec.file, where, f"low and high are required by the {spec.design.method} design")
    if p.high <= p.low:
        raise SpecError(spec.file, f"{where}.high", f"must be > low ({p.low}), got {p.high}")
    if p.integer and not (float(p.low).is_integer() and float(p.high).is_integer()):
        raise SpecError(spec.file, where, "an integer parameter needs whole-number low and high")


def _check_policies(spec: SweepSpec) -> None:
    from polsim.policies import make_policy

    for i, name in enumerate(spec.policies):
        try:
            make_policy(name)
        except ValueError as err:
            raise SpecError(spec.file, f"policies[{i}]", str(err)) from None
    if len(set(spec.policies)) != len(spec.policies):
        raise SpecError(spec.file, "policies", "lists a policy twice")
    if spec.baseline is not None and spec.baseline not in spec.policies:
        raise SpecError(spec.file, "baseline", f"must be one of the policies ({', '.join(spec.policies)}), "
                            f"got {spec.baseline!r}")


def _check_against_scenario(spec: SweepSpec) -> None:
    """Apply the fixed values and each parameter's extremes (or every listed value) to the scenario."""
    load_spec(spec.scenario)  # a broken scenario file is reported as itself
    base = spec.overrides({})
    _load(spec, base, "fixed")
    for name, p in spec.parameters.items():
        if p.values:
            tries = [(f"parameters.{name}.values[{i}]", v) for i, v in enumerate(p.values)]
        else:
            cast = int if p.integer else float
            tries = [(f"parameters.{name}.low", cast(p.low)), (f"parameters.{name}.high", cast(p.high))]
        for where, value in tries:
            _load(spec, {**base, name: value}, where)


def _load(spec: SweepSpec, overrides: dict[str, Any], where: str) -> None:
    """Validate the scenario under ``overrides``; a failure names the spec's field that caused it."""
    try:
        load_spec(spec.scenario, overrides)
    except ScenarioError as err:
        field = f"{err.field}: " if err.field else ""
        raise SpecError(spec.file, where, f"{field}{err.problem}") from None
