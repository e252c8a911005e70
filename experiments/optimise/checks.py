"""Reading an optimisation spec, and its cross-field checks against its scenario, before anything runs.

Each check raises a one-line :class:`~polsim.scenario.SpecError` naming the spec file and the field:
unknown unit types, empty or reversed bounds, bounds the scenario rejects, unknown policies,
objectives and constraints that are not metrics, and deterministic constraints that no
deployment within the bounds can meet.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from polsim.experiments.optimise.spec import (
    COST,
    DETERMINISTIC,
    OFFICER_HOURS,
    OptimiseSpec,
    UnitVariables,
    scalar,
    scenario_spec,
)
from polsim.experiments.sweep.spec import read_spec_toml
from polsim.measures.vocabulary import summary_names
from polsim.replay.records import resolved
from polsim.scenario import ScenarioError, SpecError, load_spec
from polsim.scenario.validate import build


def check_spec(spec: OptimiseSpec) -> None:
    """Every check, in the order a reader of the file would expect them."""
    file = spec.file
    if spec.days is not None and spec.steps is not None:
        raise SpecError(file, "steps", "give days or steps, not both")
    scenario = _scenario(spec, spec.base_overrides(), "fixed")
    _check_fixed(spec)
    for name, uv in spec.variables.units.items():
        _check_unit(spec, scenario, name, uv)
    _check_policies(spec)
    for name, opt in spec.variables.options.items():
        where = f"variables.options.{name}"
        if not name.startswith("policy."):
            raise SpecError(file, where, "only numeric policy options (policy.NAME) are options; "
                                "units have their own variables")
        if opt.high < opt.low:
            raise SpecError(file, f"{where}.high", f"empty bounds: high ({opt.high:g}) < low ({opt.low:g})")
        if opt.integer and not (float(opt.low).is_integer() and float(opt.high).is_integer()):
            raise SpecError(file, where, "an integer option needs whole-number low and high")
        for end, value in (("low", opt.low), ("high", opt.high)):
            cast = int(value) if opt.integer else value
            _scenario(spec, {**spec.base_overrides(), name: cast}, f"{where}.{end}")
    for unit in spec.cost:
        if unit not in scenario.units:
            raise SpecError(file, f"cost.{unit}", f"unknown unit type; allowed: {', '.join(scenario.units)}")
    from polsim.experiments.optimise.space import Space

    space = Space(spec)
    if not space.vars:
        raise SpecError(file, "variables", "must vary at least one thing (a range with two different ends, "
                            "candidate bases, or two policies)")
    _check_metrics(spec)
    _check_feasible(spec, space)


def varied_fields(spec: OptimiseSpec) -> dict[str, str]:
    """Scenario fields the search sets, by the spec field that varies them."""
    out = {}
    for name in spec.variables.units:
        where = f"variables.units.{name}"
        out.update({f"units.{name}.count": where, f"units.{name}.shift": where, f"units.{name}.base_cells": where,
                    f"units.{name}.base": where})
    out.update({name: f"variables.options.{name}" for name in spec.variables.options})
    out["policy.name"] = "policy" if not spec.variables.policy else "variables.policy"
    return out


def _check_fixed(spec: OptimiseSpec) -> None:
    """A fixed value of a field the search varies would be silently replaced by every candidate's."""
    varied = varied_fields(spec)
    for key in spec.fixed:
        if key in varied:
            raise ScenarioError(spec.file, f"fixed.{key}", f"is varied by {varied[key]}; fix it or vary it, not both")
        if key == "time.days" and spec.days is not None:
            raise ScenarioError(spec.file, f"fixed.{key}", "the spec's days sets it; give one of them")


def _scenario(spec: OptimiseSpec, overrides: dict[str, Any], where: str):
    """The scenario under ``overrides``; a failure names the spec's field that caused it."""
    load_spec(spec.scenario)  # a broken scenario file is reported as itself
    try:
        return load_spec(spec.scenario, overrides)[0]
    except ScenarioError as err:
        field = f"{err.field}: " if err.field else ""
        raise SpecError(spec.file, where, f"{field}{err.problem}") from None


def _pair(file: str, where: str, value: list[int]) -> tuple[int, int] | None:
    if not value:
        return None
    if len(value) != 2:
        raise SpecError(file, where, f"must be [low, high], got {value}")
    if value[0] > value[1]:
        raise SpecError(file, where, f"empty bounds: low ({value[0]}) > high ({value[1]})")
    return value[0], value[1]


def _check_unit(spec: OptimiseSpec, scenario, name: str, uv: UnitVariables) -> None:
    file, where = spec.file, f"variables.units.{name}"
    if name not in scenario.units:
        raise SpecError(file, where, f"unknown unit type; allowed: {', '.join(scenario.units)}")
    unit = scenario.units[name]
    count = _pair(file, f"{where}.count", uv.count) or (unit.count, unit.count)
    start = _pair(file, f"{where}.shift_start", uv.shift_start) or (unit.shift[0],) * 2
    hours = _pair(file, f"{where}.shift_hours", uv.shift_hours) or (unit.shift[1] - unit.shift[0],) * 2
    if uv.base_kind and uv.base_cells:
        raise SpecError(file, where, "give base_kind or base_cells, not both")
    n = len(uv.base_cells) if uv.base_cells else _generated(spec, uv) if uv.base_kind else 0
    if uv.max_candidates and not uv.base_kind:
        raise SpecError(file, f"{where}.max_candidates", "only goes with base_kind")
    if len({tuple(c) for c in uv.base_cells}) != len(uv.base_cells):
        raise SpecError(file, f"{where}.base_cells", "lists a cell twice")
    staffed = _pair(file, f"{where}.staffed", uv.staffed)
    if staffed is not None:
        if not n:
            raise SpecError(file, f"{where}.staffed", "needs candidate bases (base_kind or base_cells)")
        if staffed[0] < 1 or staffed[1] > n:
            raise SpecError(file, f"{where}.staffed", f"must lie within [1, {n}] (the candidate bases), "
                                f"got {list(staffed)}")
        if staffed[0] > count[1]:
            raise SpecError(file, f"{where}.staffed", f"infeasible: at least {staffed[0]} bases staffed "
                                f"needs at least as many units, and count allows at most {count[1]}")
    tries = [(f"{where}.count", {f"units.{name}.count": count[1]})]
    tries += [(f"{where}.shift_hours", {f"units.{name}.shift": [s, s + h]}) for s in start for h in hours]
    if uv.base_cells:
        tries.append((f"{where}.base_cells", {f"units.{name}.base_cells": uv.base_cells}))
    for field, over in tries:
        _scenario(spec, {**spec.base_overrides(), **over}, field)


def _generated(spec: OptimiseSpec, uv: UnitVariables) -> int:
    from polsim.cities.source import city_for
    from polsim.experiments.optimise.spec import scenario_spec

    n = len(city_for(scenario_spec(spec).city).bases[uv.base_kind])
    return min(n, uv.max_candidates) if uv.max_candidates else n


def _check_policies(spec: OptimiseSpec) -> None:
    from polsim.policies import make_policy

    named = [("policy", spec.policy)] + [(f"variables.policy[{i}]", p) for i, p in enumerate(spec.variables.policy)]
    for where, name in named:
        try:
            make_policy(name)
        except ValueError as err:
            raise SpecError(spec.file, where, str(err)) from None
    if len(set(spec.variables.policy)) != len(spec.variables.policy):
        raise SpecError(spec.file, "variables.policy", "lists a policy twice")


def _check_metrics(spec: OptimiseSpec) -> None:
    """Objectives and constraints must be deterministic quantities or numbers in a run's summary."""
    objectives = spec.parsed_objectives
    constraints = spec.parsed_constraints
    numbers, open_tables = summary_names(scenario_spec(spec).crimes)
    allowed = f"{OFFICER_HOURS}, {COST}, or a number in a run's summary: {', '.join(sorted(numbers))}"
    items = [(f"objectives[{i}]", o.metric) for i, o in enumerate(objectives)]
    items += [(f"constraints[{i}]", c.metric) for i, c in enumerate(constraints)]
    for where, metric in items:
        ok = (metric in DETERMINISTIC or metric in numbers
              or any(metric.startswith(f"{t}.") for t in open_tables))
        if not ok:
            raise SpecError(spec.file, where, f"{metric!r} is not a metric; allowed: {allowed}")
        if metric == COST and not spec.cost:
            raise SpecError(spec.file, where, "cost needs a cost table ([cost.UNIT_TYPE] officer_hour, "
                                "vehicle_day)")
    seen = [o.metric for o in objectives]
    if len(set(seen)) != len(seen):
        raise SpecError(spec.file, "objectives", "names a metric twice")


def _check_feasible(spec: OptimiseSpec, space) -> None:
    """A deterministic constraint that no deployment within the bounds meets is an error now."""
    low, high = _extremes(space)
    for i, c in enumerate(spec.parsed_constraints):
        if not c.deterministic:
            continue
        best = low[c.metric] if c.op == "<=" else high[c.metric]
        if c.violation(best) > 1e-12:
            what = "least" if c.op == "<=" else "most"
            raise SpecError(spec.file, f"constraints[{i}]", f"infeasible from the start: {c.label()}, but the "
                                f"{what} {c.metric} of any deployment within the bounds is {best:g}")


def _extremes(space) -> tuple[dict[str, float], dict[str, float]]:
    """Officer-hours and cost at the smallest and the largest deployment within the bounds.

    Both grow with every unit count and shift length, so the extremes are the corners of the box
    (with at least as many units as the least number of staffed bases).
    """
    from pymoo.core.variable import Integer

    corners = []
    for pick in (0, 1):
        x = {}
        for name, var in space.vars.items():
            if isinstance(var, Integer) and (name.endswith(".count") or name.endswith(".shift_hours")):
                x[name] = int(var.bounds[pick])
            elif isinstance(var, Integer):
                x[name] = int(var.bounds[0])
            elif hasattr(var, "options"):
                x[name] = var.options[0]
            elif hasattr(var, "bounds"):
                x[name] = var.bounds[0]
            else:
                x[name] = False
        for unit, uv in space.spec.variables.units.items():
            name = f"units.{unit}.count"
            if pick == 0 and name in x and x[name] > 0 and uv.staffed:
                x[name] = max(x[name], uv.staffed[0])
        corners.append(space.deterministic(x))
    return corners[0], corners[1]


def load_optimise(path: str | Path) -> OptimiseSpec:
    """Read and validate an optimisation spec completely; raises :class:`~polsim.scenario.SpecError`."""
    path = Path(path)
    file = str(path)
    data = read_spec_toml(path)
    fixed = data.pop("fixed", {})
    if not isinstance(fixed, dict):
        raise SpecError(file, "fixed", f"must be a table, got {fixed!r}")
    variables = data.get("variables")
    if isinstance(variables, dict) and variables.get("policy") == []:
        raise SpecError(file, "variables.policy", "is empty; list two or more policies, or leave it out "
                        "(the spec's policy)")
    spec = build(OptimiseSpec, data, file, error=SpecError)
    from polsim.experiments.optimise.evaluate import scenario_path

    spec = replace(spec, scenario=scenario_path(spec.scenario, path.parent), file=file,
                   fixed={k: scalar(v, file, f"fixed.{k}") for k, v in fixed.items()},
                   calls=resolved(spec.calls, path.parent))
    if spec.calls.source and spec.days is not None:
        raise SpecError(file, "days", "a replay runs over its calls.period; allowed: steps to run part of it")
    if not spec.policy:  # the scenario's own policy, as polsim run takes it
        from polsim.model import policy_name

        spec = replace(spec, policy=policy_name(_scenario(spec, spec.base_overrides(), "fixed")))
    check_spec(spec)
    return spec
