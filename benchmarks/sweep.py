"""Sweep throughput: runs per minute on 1 and 2 workers, and the overhead beyond the runs themselves.

    python -m polsim.benchmarks.sweep [--quick]

The reference is the same run done plainly in this process (``PolicingModel.run`` after a
warm-up, so compiling is not counted), on one Numba thread as a sweep worker runs it. A sweep
of ``n`` such runs on ``w`` workers would ideally take ``n * plain / w``; the overhead is how
much longer it took: task dispatch, building the model, sampling treated cells, sending the
row back and writing its Parquet part (see :func:`sweep_benchmark` for the two ratios).
Cluster start and worker warm-up happen once per sweep and are reported apart.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from polsim.engine.threads import numba_threads
from polsim.experiments.sweep import store
from polsim.experiments.sweep.plan import make_plan, write_plan
from polsim.experiments.sweep.runner import dask_client, run_plan
from polsim.experiments.sweep.spec import load_sweep
from polsim.experiments.sweep.task import warm_up
from polsim.model import PolicingModel
from polsim.runs import Run

SCENARIO = "default"


def plain_run_seconds(days: float, seed: int = 1) -> float:
    """Wall seconds of one run of the default scenario in this process, kernels already loaded."""
    with numba_threads(1):
        PolicingModel(SCENARIO, seed=0, overrides={"time.days": days}).run(steps=2)  # load the kernels
        started = time.perf_counter()
        PolicingModel(SCENARIO, seed=seed, overrides={"time.days": days}).run()
        return time.perf_counter() - started


def timed_sweep(workers: int, runs: int, days: float, folder: Path) -> dict[str, float]:
    """Start a LocalCluster of ``workers``, run ``runs`` replications, time start-up and runs apart."""
    spec_file = folder / f"bench-{workers}.toml"
    spec_file.write_text(f'scenario = "{SCENARIO}"\nreplications = {runs}\ndays = {days}\n'
                         '[parameters."offenders.count"]\nvalues = [300]\n')
    plan = make_plan(load_sweep(spec_file))
    out = folder / f"sweep-{workers}"
    write_plan(out, plan)
    started = time.perf_counter()
    with dask_client(workers=workers) as client:
        client.run(warm_up, Run(SCENARIO, overrides={"time.days": days}))
        ready = time.perf_counter()
        result = run_plan(plan, out, client, progress=False)
        elapsed = time.perf_counter() - ready
    if result.failed or result.ran != runs:
        raise RuntimeError(f"benchmark sweep did not finish cleanly: {result}")
    in_task = float(store.load_rows(out)["wall_seconds"].sum())
    return {"workers": workers, "runs": runs, "startup_seconds": ready - started, "elapsed_seconds": elapsed,
            "runs_per_minute": 60.0 * runs / elapsed, "task_seconds": in_task,
            "overhead": elapsed * workers / in_task - 1.0}


def sweep_benchmark(quick: bool) -> dict[str, Any]:
    """Runs per minute with 1 and 2 workers and the overhead beyond the runs (target < 10%).

    ``overhead``: the sweep's wall time x workers over the runs' own time measured inside the
    tasks, minus one (Dask dispatch, sending rows back, writing parts, idle workers at the end).
    ``overhead_vs_plain``: the same against the plain in-process run, which also counts what
    the task adds around the run (building the model, sampling treated cells); on a busy
    machine it is the noisier of the two.

    ``quick``: 4 runs of 0.25 simulated days per worker count; otherwise 24 runs of 1 day.
    A sweep's last runs leave a worker idle while another finishes; with a few runs a
    worker that tail is most of the overhead measured, and a real sweep has hundreds.
    """
    days, runs = (0.25, 4) if quick else (1.0, 24)
    plain = min(plain_run_seconds(days, seed) for seed in (1, 2))
    rows = []
    with tempfile.TemporaryDirectory(prefix="polsim-sweep-bench-") as tmp:
        for workers in (1, 2):
            row = timed_sweep(workers, runs, days, Path(tmp))
            row["overhead_vs_plain"] = row["elapsed_seconds"] * workers / (runs * plain) - 1.0
            rows.append(row)
    return {"scenario": SCENARIO, "days_per_run": days, "plain_run_seconds": plain,
            "plain_runs_per_minute": 60.0 / plain, "rows": rows,
            "speedup_2_vs_1": rows[1]["runs_per_minute"] / rows[0]["runs_per_minute"],
            "overhead_target": 0.10}


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(prog="python -m polsim.benchmarks.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 runs of 0.25 days instead of 24 of 1 day")
    r = sweep_benchmark(parser.parse_args(argv).quick)
    print(f"default scenario, {r['days_per_run']:g} simulated days per run; plain run "
          f"{r['plain_run_seconds']:.2f} s ({r['plain_runs_per_minute']:.1f} runs/min) on {os.cpu_count()} cores")
    print(f"{'workers':>7} {'runs':>5} {'start-up s':>10} {'sweep s':>8} {'runs/min':>9} {'overhead':>9} "
          f"{'vs plain':>9}")
    for row in r["rows"]:
        print(f"{row['workers']:>7} {row['runs']:>5} {row['startup_seconds']:>10.1f} {row['elapsed_seconds']:>8.1f} "
              f"{row['runs_per_minute']:>9.1f} {row['overhead']:>9.1%} {row['overhead_vs_plain']:>9.1%}")
    print(f"speed-up 2 vs 1 worker: {r['speedup_2_vs_1']:.2f}x; overhead target < {r['overhead_target']:.0%}")


if __name__ == "__main__":
    main()
