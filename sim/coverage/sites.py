"""A siting study: candidates, the problem on the city, the solution and the scenario that runs it.

The new sites host units like the unit type studied: the exported scenario gives that type
one more unit per site, with explicit base cells (its existing units keep theirs, in order,
and the new ones stand at the sites), so ``polsim run`` and ``polsim coverage`` run it as
written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from polsim.cities.city import nearest_index
from polsim.coverage.fields import minutes_field, reach_of_site
from polsim.coverage.siting import Problem, Solution, maximal_covering, set_covering
from polsim.coverage.study import Request, patrol_positions, standing_at
from polsim.engine.router import Router
from polsim.engine.units import Units


def candidate_cells(text: str, city) -> np.ndarray:
    """Flat candidate cells from ``bases:KIND``, ``stations``, ``roads:N`` or ``cells:R,C;R,C``
    (a ``ValueError`` naming what is allowed otherwise); passable cells only, each once.
    """
    kind, _, arg = text.partition(":")
    if kind == "stations":
        kind, arg = "bases", "station"
    if kind == "bases":
        if arg not in city.bases:
            raise ValueError(f"bases:{arg}: no such base kind; allowed: {', '.join(sorted(city.bases))}")
        cells = np.asarray(city.bases[arg], np.int64).reshape(-1, 2)
    elif kind == "roads":
        step = int(arg) if arg.isdigit() and int(arg) > 0 else 0
        if step == 0:
            raise ValueError(f"roads:{arg}: allowed: roads:N with N a whole number of cells > 0")
        roads = city.road_kmh > 0
        if not roads.any():
            raise ValueError("roads: the city has no drivable road")
        near = nearest_index(roads)
        rr, cc = np.mgrid[step // 2:city.rows:step, step // 2:city.cols:step]
        cells = np.stack([near[0][rr, cc].ravel(), near[1][rr, cc].ravel()], axis=1)
    elif kind == "cells":
        try:
            cells = np.array([[int(v) for v in pair.split(",")] for pair in arg.split(";") if pair], np.int64)
        except ValueError:
            raise ValueError(f"cells:{arg}: allowed: cells:R,C;R,C... of whole numbers") from None
        if cells.ndim != 2 or cells.shape[1] != 2:
            raise ValueError(f"cells:{arg}: allowed: cells:R,C;R,C...")
        off = (cells[:, 0] < 0) | (cells[:, 0] >= city.rows) | (cells[:, 1] < 0) | (cells[:, 1] >= city.cols)
        if off.any():
            raise ValueError(f"cells: {cells[off][0].tolist()} is off the city's {city.rows} x {city.cols} cells")
    else:
        raise ValueError(f"{text}: allowed: bases:KIND, stations, roads:N or cells:R,C;R,C...")
    flat = cells[:, 0] * city.cols + cells[:, 1]
    flat = flat[city.passable.ravel()[flat]]
    return np.array(list(dict.fromkeys(flat.tolist())), np.int64)


@dataclass(frozen=True)
class Siting:
    """A solved siting study."""

    problem: Problem
    solution: Solution
    total: float
    covered_before: float
    unit_type: str
    seconds: float


def solve(scenario, city, unit_type: str, hour: int, within_min: float, demand: np.ndarray,
          candidates: np.ndarray, add: int | None, share: float | None, source: str = "bases",
          seed: int = 1) -> Siting:
    """Build the problem (the deployment's own coverage first, its units standing where
    ``source`` says: :func:`polsim.coverage.study.standing_at`) and solve MCLP (``add``) or
    set covering (``share``).
    """
    import time

    started = time.perf_counter()
    units = Units.build(scenario.spec, city)
    router = Router(city, units)
    request = Request((hour,), (within_min,), (unit_type,), source, seed)
    patrol = patrol_positions(scenario, (hour,), seed) if source == "patrol" else None
    congestion = city.congestion(hour)
    existing = minutes_field(router, standing_at(units, request, hour, patrol), congestion,
                             limit_min=within_min).ravel()
    flat_demand = demand.ravel().astype(float)
    left = np.where(existing <= within_min, 0.0, flat_demand)
    like = int(np.flatnonzero(units.type_idx == units.type_names.index(unit_type))[0])  # its speed and mode
    dist = np.full(city.rows * city.cols, np.inf)
    reach = [reach_of_site(router, like, int(cell), congestion, within_min, dist) for cell in candidates]
    problem = Problem(candidates, reach, left)
    total, before = float(flat_demand.sum()), float(flat_demand[existing <= within_min].sum())
    solution = maximal_covering(problem, add) if add is not None else set_covering(problem, share * total - before)
    return Siting(problem, solution, total, before, unit_type, time.perf_counter() - started)


def exported_scenario(source: Path, overrides: dict, spec, city, siting: Siting, out: Path, header: list[str]) -> str:
    """TOML text of the scenario with one more unit of the type at each chosen site."""
    import tomli_w

    from polsim.scenario.loader import apply_overrides, read_toml

    data = apply_overrides(read_toml(source), overrides)
    value = data.get("city", {}).get("source")
    if isinstance(value, str) and ":" not in value and not Path(value).is_absolute():
        data["city"]["source"] = os.path.relpath(source.parent / value, out.parent)  # still the same file
    ut = spec.units[siting.unit_type]
    bases = np.asarray(ut.base_cells, np.int64).reshape(-1, 2)
    if bases.shape[0] == 0:
        bases = np.asarray(city.bases[ut.base], np.int64).reshape(-1, 2)
    kept = [bases[k % len(bases)].tolist() for k in range(ut.count)]  # where its units stand now, in order
    sites = [list(divmod(int(siting.problem.candidates[j]), city.cols)) for j in siting.solution.chosen]
    table = data.setdefault("units", {}).setdefault(siting.unit_type, {})
    table["count"] = ut.count + len(sites)
    table["base_cells"] = kept + sites
    data["name"] = f"{data.get('name', spec.name)}-sited"
    return "".join(f"# {line}\n" for line in header) + tomli_w.dumps(data)
