"""Coverage on the citywide scenario: all bands for one hour and one unit type, and siting.

    .venv/bin/polsim bench --only coverage

The field and tables of one hour (patrol cars from their bases, and the 2,000 units of every
type together, as one set of sources), then maximal covering of 10 sites among 500 road-cell candidates over the
city's residents within 3 minutes. Building the city is timed apart (it is the city's cost,
not coverage's).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

SCENARIO = "citywide"
HOUR = 18
BANDS = (1.0, 3.0, 5.0)
SITES, CANDIDATES, WITHIN_MIN = 10, 500, 3.0


def coverage_bench(quick: bool) -> dict[str, Any]:
    """Seconds for the fields and tables of one hour, and for siting (``quick`` changes nothing:
    each is measured once, in seconds).
    """
    from polsim.cities.source import city_for
    from polsim.coverage.sites import candidate_cells, solve
    from polsim.coverage.study import Request, compute, study_tables
    from polsim.scenario import load_scenario

    t0 = time.perf_counter()
    scenario = load_scenario(SCENARIO)
    city = city_for(scenario.spec.city)
    out: dict[str, Any] = {"build_s": time.perf_counter() - t0, "cells": city.rows * city.cols}
    compute(scenario, city, Request((HOUR,), BANDS, ("patrol_car",)))  # compiles the kernels
    for key, types in (("patrol_car", ("patrol_car",)), ("all_units", tuple(scenario.spec.units))):
        t = time.perf_counter()
        study = compute(scenario, city, Request((HOUR,), BANDS, types, per_type=False))
        fields_s = time.perf_counter() - t
        study_tables(study, city, {}, "residents")
        out[key] = {"fields_s": fields_s, "with_tables_s": time.perf_counter() - t,
                    "units": int(study.units[HOUR, "all" if len(types) > 1 else types[0]])}
    candidates = candidate_cells("roads:40", city)[:CANDIDATES]
    t = time.perf_counter()
    siting = solve(scenario, city, "patrol_car", HOUR, WITHIN_MIN, city.residents.astype(float), candidates,
                   SITES, None)
    out["siting"] = {"seconds": time.perf_counter() - t, "candidates": int(len(candidates)), "sites": SITES,
                     "gap": siting.solution.gap, "share_before": siting.covered_before / siting.total,
                     "share_after": (siting.covered_before + siting.solution.covered) / siting.total,
                     "demand_cells": int(np.count_nonzero(siting.problem.demand))}
    return out
