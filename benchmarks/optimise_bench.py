"""Optimiser throughput against plain sweep throughput on the same machine, and the search's overhead.

    .venv/bin/python -m polsim.benchmarks.optimise_bench [--quick] [--workers 2] [--scenario citywide]

Both run the default scenario on a LocalCluster of the same workers (``--scenario citywide``:
the optimiser alone on the whole city, one-day evaluations, to count what an hour buys). **Overhead** is, as for
sweeps (docs/sweeps.md), the wall time x workers over the runs' own time inside the tasks,
minus one: for the optimiser it counts the search itself (pymoo's ask/tell, scoring,
checkpoints, writing parts) and the workers idling at the end of each generation's batch.
**Search share** is the part of the wall time spent outside the batches of runs. The
optimiser's runs differ from the sweep's (other unit counts), so runs a minute are compared
through the overhead, and reported as they are. Cluster start and warm-up are reported apart.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import tomli_w

from polsim.benchmarks.sweep import timed_sweep

SCENARIO = "default"

UNIT_COUNTS = {"default": {"patrol_car": [4, 14], "motorcycle_squad": [1, 8]},
               "citywide": {"patrol_car": [600, 1000], "motorcycle_squad": [100, 300]}}
"""The decisions of the benchmark's study in each scenario it runs on: unit counts about the shipped ones."""


def study_spec(folder: Path, days: float, generations: int, population: int, scenario: str = SCENARIO,
               replications: tuple[int, int, int] = (2, 6, 4)) -> Path:
    """A two-objective study of patrol cars and motorcycle squads on ``scenario``; ``replications``:
    a candidate's first runs, its most, and the final runs of each point on the front.
    """
    first, most, final = replications
    spec = {"name": "bench", "scenario": scenario, "days": days, "policy": "random",
            "objectives": ["max response_time_min.within_3", "min officer_hours"],
            "replications": first, "max_replications": most, "final_replications": final,
            "generations": generations, "population": population,
            "variables": {"units": {name: {"count": bounds} for name, bounds in UNIT_COUNTS[scenario].items()}}}
    path = folder / "bench.toml"
    path.write_text(tomli_w.dumps(spec), encoding="utf-8")
    return path


def timed_study(workers: int, days: float, generations: int, population: int, folder: Path,
                scenario: str = SCENARIO, replications: tuple[int, int, int] = (2, 6, 4)) -> dict[str, Any]:
    """Run the study on a fresh LocalCluster; time start-up, the search, the batches and the runs."""
    from polsim.experiments.optimise.checks import load_optimise
    from polsim.experiments.optimise.evaluate import dask_evaluator, read_rows
    from polsim.experiments.optimise.study import run_study

    spec = load_optimise(study_spec(folder, days, generations, population, scenario, replications))
    out = folder / "study"
    started = time.perf_counter()
    with dask_evaluator(spec.scenario, spec.backend, spec.steps, spec.base_overrides(), workers) as evaluator:
        evaluator.warm()
        ready = time.perf_counter()
        batches = [0.0]
        inner = evaluator.run

        def timed_run(runs, done):
            t = time.perf_counter()
            inner(runs, done)
            batches[0] += time.perf_counter() - t

        evaluator.run = timed_run
        result = run_study(spec, out, evaluator, progress=False)
        elapsed = time.perf_counter() - ready
    rows = read_rows(out)
    in_task = float(rows["wall_seconds"].sum())
    runs = len(rows)
    return {"workers": workers, "runs": runs, "generations": result.generations,
            "front_points": len(result.front["points"]), "startup_seconds": ready - started,
            "elapsed_seconds": elapsed, "runs_per_minute": 60.0 * runs / elapsed, "task_seconds": in_task,
            "overhead": elapsed * workers / in_task - 1.0, "search_share": 1.0 - batches[0] / elapsed,
            "evaluations_per_hour": 3600.0 * runs / elapsed}


def optimise_benchmark(quick: bool, workers: int = 2) -> dict[str, Any]:
    """The optimiser's study and a plain sweep of as many runs, on the same workers, one after the other."""
    days, generations, population = (0.25, 3, 6) if quick else (1.0, 6, 12)
    with tempfile.TemporaryDirectory(prefix="polsim-optimise-bench-") as tmp:
        study = timed_study(workers, days, generations, population, Path(tmp))
        sweep = timed_sweep(workers, study["runs"], days, Path(tmp))
    return {"scenario": SCENARIO, "days_per_run": days, "study": study, "sweep": sweep,
            "overhead_target": 0.10}


def citywide_benchmark(workers: int = 2, generations: int = 2, population: int = 4) -> dict[str, Any]:
    """The optimiser on the citywide scenario with one-day evaluations: evaluations an hour and
    the overhead (no sweep beside it: a citywide sweep of as many runs would double the wait).
    """
    with tempfile.TemporaryDirectory(prefix="polsim-optimise-bench-") as tmp:
        # one run a candidate, two final runs a point (the least a paired interval needs)
        study = timed_study(workers, 1.0, generations, population, Path(tmp), scenario="citywide",
                            replications=(1, 1, 2))
    return {"scenario": "citywide", "days_per_run": 1.0, "study": study, "overhead_target": 0.10}


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="0.25-day runs, 3 generations of 6 (else 1 day, 6 of 12)")
    parser.add_argument("--workers", type=int, default=2, help="local workers (default 2)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--scenario", choices=sorted(UNIT_COUNTS), default=SCENARIO,
                        help="default (the study and a sweep) or citywide (the study alone, 2 generations of 4)")
    args = parser.parse_args()
    if args.scenario == "citywide":
        r = citywide_benchmark(args.workers)
    else:
        r = optimise_benchmark(args.quick, args.workers)
    s = r["study"]
    print(f"{r['scenario']} scenario, {r['days_per_run']:g} simulated days per run, {args.workers} workers")
    print(f"{'':>9} {'runs':>5} {'start-up s':>10} {'wall s':>7} {'runs/min':>9} {'s/run in task':>13} {'overhead':>9}")
    for name, row in (("optimise", s), ("sweep", r.get("sweep"))):
        if row is None:
            continue
        print(f"{name:>9} {row['runs']:>5} {row['startup_seconds']:>10.1f} {row['elapsed_seconds']:>7.1f} "
              f"{row['runs_per_minute']:>9.1f} {row['task_seconds'] / row['runs']:>13.3f} {row['overhead']:>9.1%}")
    print(f"evaluations an hour: {s['evaluations_per_hour']:.0f}")
    print(f"optimiser: {s['generations']} generations, {s['front_points']} Pareto points; time outside the batches "
          f"of runs (the search itself): {s['search_share']:.1%}; overhead target < {r['overhead_target']:.0%}")
    if args.json:
        args.json.write_text(json.dumps(r, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
