"""Optimiser throughput against plain sweep throughput on the same machine, and the search's overhead.

    .venv/bin/python -m polsim.benchmarks.optimise_bench [--quick] [--workers 2]

Both run the default scenario on a LocalCluster of the same workers. **Overhead** is, as for
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

SCENARIO = "default"


def study_spec(folder: Path, days: float, generations: int, population: int) -> Path:
    """A two-objective study of patrol cars and motorcycle squads on the default city."""
    spec = {"name": "bench", "scenario": SCENARIO, "days": days, "policy": "random",
            "objectives": ["max response_time_min.within_3", "min officer_hours"],
            "replications": 2, "max_replications": 6, "final_replications": 4,
            "generations": generations, "population": population,
            "variables": {"units": {"patrol_car": {"count": [4, 14]}, "motorcycle_squad": {"count": [1, 8]}}}}
    path = folder / "bench.toml"
    path.write_text(tomli_w.dumps(spec), encoding="utf-8")
    return path


def timed_study(workers: int, days: float, generations: int, population: int, folder: Path) -> dict[str, Any]:
    """Run the study on a fresh LocalCluster; time start-up, the search, the batches and the runs."""
    from polsim.experiments.optimise.checks import load_optimise
    from polsim.experiments.optimise.evaluate import dask_evaluator, read_rows
    from polsim.experiments.optimise.study import run_study

    spec = load_optimise(study_spec(folder, days, generations, population))
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
            "overhead": elapsed * workers / in_task - 1.0, "search_share": 1.0 - batches[0] / elapsed}


def optimise_benchmark(quick: bool, workers: int = 2) -> dict[str, Any]:
    """The optimiser's study and a plain sweep of as many runs, on the same workers, one after the other."""
    from polsim.experiments.bench import timed_sweep

    days, generations, population = (0.25, 3, 6) if quick else (1.0, 6, 12)
    with tempfile.TemporaryDirectory(prefix="polsim-optimise-bench-") as tmp:
        study = timed_study(workers, days, generations, population, Path(tmp))
        sweep = timed_sweep(workers, study["runs"], days, Path(tmp))
    return {"scenario": SCENARIO, "days_per_run": days, "study": study, "sweep": sweep,
            "overhead_target": 0.10}


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="0.25-day runs, 3 generations of 6 (else 1 day, 6 of 12)")
    parser.add_argument("--workers", type=int, default=2, help="local workers (default 2)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    r = optimise_benchmark(args.quick, args.workers)
    s, w = r["study"], r["sweep"]
    print(f"default scenario, {r['days_per_run']:g} simulated days per run, {args.workers} workers")
    print(f"{'':>9} {'runs':>5} {'start-up s':>10} {'wall s':>7} {'runs/min':>9} {'s/run in task':>13} {'overhead':>9}")
    for name, row in (("optimise", s), ("sweep", w)):
        print(f"{name:>9} {row['runs']:>5} {row['startup_seconds']:>10.1f} {row['elapsed_seconds']:>7.1f} "
              f"{row['runs_per_minute']:>9.1f} {row['task_seconds'] / row['runs']:>13.3f} {row['overhead']:>9.1%}")
    print(f"optimiser: {s['generations']} generations, {s['front_points']} Pareto points; time outside the batches "
          f"of runs (the search itself): {s['search_share']:.1%}; overhead target < {r['overhead_target']:.0%}")
    if args.json:
        args.json.write_text(json.dumps(r, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
