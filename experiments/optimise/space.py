"""The decision space: pymoo variables, a candidate's scenario overrides, its deterministic costs.

A candidate is a plain dict from variable name to value: ``units.T.count`` and
``units.T.shift_start``/``units.T.shift_hours`` (integers), ``units.T.base.I`` (binary: is
candidate base ``I`` of type ``T`` staffed), ``policy`` (a choice) and ``policy.NAME``
(numeric options). A range whose ends are equal is a constant, not a variable. The
candidate becomes scenario overrides: ``units.T.count``, ``units.T.shift = [start, start +
hours]`` and ``units.T.base_cells`` = the staffed candidates in their listed order (units
take them round-robin, as they take generated bases).

Officer-hours a day (crew x hours on duty x units, over every unit type of the scenario)
and cost a day are computed here, without simulating. :meth:`Space.repair` keeps the
staffing consistent (between the spec's bounds and no more bases than units), so the search
spends no run on a deployment that cannot exist.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from pymoo.core.variable import Binary, Choice, Integer, Real, Variable

from polsim.experiments.optimise.spec import COST, OFFICER_HOURS, OptimiseSpec, UnitVariables, scenario_spec

Cell = tuple[int, int]


@dataclass(frozen=True)
class UnitPlan:
    """One unit type in a deployment: how many, crew, shift, and the cells they are based at."""

    count: int
    crew: int
    shift: tuple[int, int]
    bases: tuple[Cell, ...]

    @property
    def hours(self) -> int:
        """Hours on duty a day (a shift longer than a day covers the whole day)."""
        return min(self.shift[1] - self.shift[0], 24)

    @property
    def officer_hours(self) -> float:
        """Crew x hours on duty x units."""
        return float(self.crew * self.hours * self.count)

    def per_base(self) -> dict[Cell, int]:
        """Units at each base cell (round-robin over the bases, as the engine places them)."""
        if not self.bases:
            return {}
        return dict(Counter(self.bases[k % len(self.bases)] for k in range(self.count)))


def count_var(unit: str) -> str:
    """Name of the unit-count variable of ``unit``."""
    return f"units.{unit}.count"


def start_var(unit: str) -> str:
    """Name of the shift-start variable of ``unit``."""
    return f"units.{unit}.shift_start"


def hours_var(unit: str) -> str:
    """Name of the shift-length variable of ``unit``."""
    return f"units.{unit}.shift_hours"


def base_var(unit: str, i: int) -> str:
    """Name of the binary 'candidate base i of unit is staffed' variable."""
    return f"units.{unit}.base.{i}"


POLICY = "policy"


class Space:
    """The decision space of a spec: variables, constants, and what a candidate means."""

    def __init__(self, spec: OptimiseSpec) -> None:
        self.spec = spec
        scenario = scenario_spec(spec)
        self.scenario = scenario
        self.units = dict(scenario.units)
        self._city = None
        self.candidates: dict[str, list[Cell]] = {
            name: self._candidates(name, uv) for name, uv in spec.variables.units.items()}
        self.vars: dict[str, Variable] = {}
        self.constants: dict[str, Any] = {}
        for name, uv in spec.variables.units.items():
            self._unit_variables(name, uv)
        policies = spec.variables.policy or [spec.policy]
        self._put(POLICY, Choice(options=list(policies)) if len(policies) > 1 else None, policies[0])
        for name, opt in spec.variables.options.items():
            var = (Integer(bounds=(int(opt.low), int(opt.high))) if opt.integer
                   else Real(bounds=(float(opt.low), float(opt.high))))
            self._put(name, var if opt.high > opt.low else None, int(opt.low) if opt.integer else opt.low)
        self.costs = dict(spec.cost)

    # -- building ------------------------------------------------------------------------
    @property
    def city(self):
        """The scenario's city (generated once, when first needed)."""
        if self._city is None:
            from polsim.cities.source import city_for

            self._city = city_for(self.scenario.city)
        return self._city

    def _candidates(self, name: str, uv: UnitVariables) -> list[Cell]:
        if uv.base_cells:
            return [(int(r), int(c)) for r, c in uv.base_cells]
        if uv.base_kind:
            cells = [(int(r), int(c)) for r, c in self.city.bases[uv.base_kind]]
            return cells[: uv.max_candidates] if uv.max_candidates else cells
        return []

    def _unit_variables(self, name: str, uv: UnitVariables) -> None:
        unit = self.units[name]
        count = uv.count or [unit.count, unit.count]
        start = uv.shift_start or [unit.shift[0], unit.shift[0]]
        hours = uv.shift_hours or [unit.shift[1] - unit.shift[0]] * 2
        for var, (lo, hi) in ((count_var(name), count), (start_var(name), start), (hours_var(name), hours)):
            self._put(var, Integer(bounds=(int(lo), int(hi))) if hi > lo else None, int(lo))
        n = len(self.candidates[name])
        everyone = (uv.staffed or [1, n])[0] >= n  # every candidate staffed: no choice, a constant
        for i in range(n):
            self._put(base_var(name, i), None if everyone else Binary(), True)

    def _put(self, name: str, var: Variable | None, constant: Any) -> None:
        if var is None:
            self.constants[name] = constant
        else:
            self.vars[name] = var

    # -- what a candidate means ----------------------------------------------------------
    def value(self, x: dict[str, Any], name: str) -> Any:
        """A variable's value in ``x``, or the constant."""
        return x[name] if name in x else self.constants[name]

    def canonical(self, x: dict[str, Any]) -> dict[str, Any]:
        """Plain Python values (pymoo hands numpy scalars), variables only, in a fixed order."""
        out = {}
        for name, var in self.vars.items():
            v = x[name]
            if isinstance(var, Binary):
                out[name] = bool(v)
            elif isinstance(var, Integer):
                out[name] = int(round(float(v)))
            elif isinstance(var, Real):
                out[name] = float(v)
            else:
                out[name] = str(v)
        return out

    def key(self, x: dict[str, Any]) -> str:
        """A short stable id of a candidate (the cache and the part files are keyed by it)."""
        text = json.dumps(self.canonical(x), sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:12]

    def staffed(self, x: dict[str, Any], unit: str) -> tuple[Cell, ...]:
        """The staffed candidate bases of ``unit``, in the candidates' order."""
        return tuple(cell for i, cell in enumerate(self.candidates.get(unit, []))
                     if bool(self.value(x, base_var(unit, i))))

    def plan(self, x: dict[str, Any] | None) -> dict[str, UnitPlan]:
        """Every unit type's deployment under ``x`` (``None``: the scenario as shipped)."""
        out = {}
        for name, unit in self.units.items():
            if x is None or name not in self.spec.variables.units:
                bases = tuple((int(r), int(c)) for r, c in unit.base_cells) or self._generated(unit.base)
                out[name] = UnitPlan(unit.count, unit.crew, (unit.shift[0], unit.shift[1]), bases)
                continue
            start = int(self.value(x, start_var(name)))
            staffed = self.staffed(x, name) if self.candidates[name] else self._generated(unit.base)
            out[name] = UnitPlan(int(self.value(x, count_var(name))), unit.crew,
                                 (start, start + int(self.value(x, hours_var(name)))), staffed)
        return out

    def _generated(self, kind: str) -> tuple[Cell, ...]:
        return tuple((int(r), int(c)) for r, c in self.city.bases[kind])

    def overrides(self, x: dict[str, Any]) -> dict[str, Any]:
        """Scenario overrides of a candidate's runs (the spec's fixed values and run length included)."""
        out = self.spec.base_overrides()
        for name in self.spec.variables.units:
            start = int(self.value(x, start_var(name)))
            out[count_var(name)] = int(self.value(x, count_var(name)))
            out[f"units.{name}.shift"] = [start, start + int(self.value(x, hours_var(name)))]
            if self.candidates[name]:
                out[f"units.{name}.base_cells"] = [list(cell) for cell in self.staffed(x, name)]
        for option in self.spec.variables.options:
            out[option] = self.value(x, option)
        return out

    def policy(self, x: dict[str, Any] | None) -> str:
        """The candidate's policy (``None``: the shipped deployment's)."""
        return self.spec.policy if x is None else str(self.value(x, POLICY))

    def deterministic(self, x: dict[str, Any] | None) -> dict[str, float]:
        """Officer-hours a day and cost a day, from the deployment alone."""
        plan = self.plan(x)
        hours = sum(p.officer_hours for p in plan.values())
        cost = 0.0
        for name, p in plan.items():
            c = self.costs.get(name)
            if c is not None:
                cost += c.officer_hour * p.officer_hours + c.vehicle_day * p.count
        return {OFFICER_HOURS: hours, COST: cost}

    def describe(self, x: dict[str, Any] | None) -> str:
        """One line: units per varied type, their shift and staffed bases, the policy."""
        parts = []
        plan = self.plan(x)
        for name in self.spec.variables.units:
            p = plan[name]
            where = f" at {len(p.per_base())} bases" if p.count else ""
            end = p.shift[1] if p.shift[1] <= 24 else p.shift[1] - 24
            parts.append(f"{name} {p.count}{where}, {p.shift[0]:02d}-{end:02d}h")
        options = [f"{o}={self.value(x, o):g}" for o in self.spec.variables.options] if x is not None else []
        return "; ".join(parts + [f"policy {self.policy(x)}"] + options)

    # -- feasibility of the staffing -----------------------------------------------------
    def staffing_range(self, unit: str, count: int) -> tuple[int, int]:
        """How many candidate bases may be staffed with ``count`` units: never more bases than units."""
        n = len(self.candidates[unit])
        staffed = self.spec.variables.units[unit].staffed or [1, n]
        if count == 0:
            return 0, 0
        return min(staffed[0], n), min(staffed[1], n, count)

    def repair(self, x: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        """``x`` with its staffing made consistent: bases switched on or off at random as needed.

        A type with fewer units than the least number of staffed bases gets that many units
        (within the count's bounds, which the spec checks allow it).
        """
        x = dict(x)
        for unit, cells in self.candidates.items():
            if not cells or base_var(unit, 0) not in self.vars:
                continue
            names = [base_var(unit, i) for i in range(len(cells))]
            count = int(round(float(self.value(x, count_var(unit)))))
            low = self.spec.variables.units[unit].staffed[:1] or [1]
            if 0 < count < low[0] and count_var(unit) in self.vars:
                count = low[0]
                x[count_var(unit)] = count
            lo, hi = self.staffing_range(unit, count)
            on = [n for n in names if bool(x[n])]
            off = [n for n in names if not bool(x[n])]
            if len(on) > hi:
                for n in rng.choice(on, len(on) - hi, replace=False):
                    x[n] = False
            elif len(on) < lo:
                for n in rng.choice(off, lo - len(on), replace=False):
                    x[n] = True
        return x

    def is_valid(self, x: dict[str, Any]) -> bool:
        """True when the repair leaves ``x`` as it is."""
        return self.canonical(self.repair(x, np.random.default_rng(0))) == self.canonical(x)

    def enumerate(self) -> list[dict[str, Any]]:
        """Every valid candidate of a space without real-valued variables (for exhaustive search)."""
        domains = []
        for name, var in self.vars.items():
            if isinstance(var, Real):
                raise ValueError(f"{name} is real-valued: the space cannot be enumerated")
            if isinstance(var, Binary):
                domains.append([False, True])
            elif isinstance(var, Integer):
                domains.append(list(range(int(var.bounds[0]), int(var.bounds[1]) + 1)))
            else:
                domains.append(list(var.options))
        names = list(self.vars)
        every = (dict(zip(names, combo, strict=True)) for combo in itertools.product(*domains))
        return [x for x in every if self.is_valid(x)]
