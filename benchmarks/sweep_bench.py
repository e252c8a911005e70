"""Sweep throughput on the default scenario: runs per minute with 1 and 2 workers, and overhead.

    .venv/bin/python benchmarks/sweep_bench.py [--quick]

Overhead is the sweep's wall time x workers over the runs' own time (measured inside the
tasks) minus one, target under 10%; "vs plain" compares with the same run done plainly in
this process instead. Cluster start-up
and the workers' warm-up are reported apart: they happen once per sweep.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from polsim.experiments.bench import sweep_benchmark  # noqa: E402


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 runs of 0.25 days instead of 8 of 1 day")
    r = sweep_benchmark(parser.parse_args().quick)
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
