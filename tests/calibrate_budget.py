"""Measure what scenarios cost and set it beside :func:`polsim.scenario.budget.estimate`.

``python -m tests.calibrate_budget [--steps N] [--only NAME]`` builds each scenario below in a
fresh process, runs ``N`` steps, and prints the measured peak resident memory (``VmHWM``),
setup time and time a step beside the estimate's, with their ratios. The per-item costs in
``polsim.scenario.budget`` come from these runs; rerun it after a change to what a model allocates.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CASES: dict[str, tuple[str, dict]] = {
    "default": ("default", {}),
    "cells 1e6": ("default", {"city.rows": 1000, "city.cols": 1000, "city.grid_cells": 10}),
    "cells 4e6": ("default", {"city.rows": 2000, "city.cols": 2000, "city.grid_cells": 20}),
    "types 32 on 1e6": ("default", {"city.rows": 1000, "city.cols": 1000, "city.grid_cells": 10,
                                    "crimes": {f"t{i}": {"weight": 1.0} for i in range(27)}}),
    "centres 50 on 1e6": ("default", {"city.rows": 1000, "city.cols": 1000, "city.grid_cells": 10,
                                      "city.centres": 50}),
    "offenders 2e6": ("default", {"offenders.count": 2_000_000}),
    "volunteers 1e6": ("default", {"guardians.volunteers": 1_000_000}),
    "units 2e4": ("default", {"units.patrol_car.count": 20_000}),
    "grids 4e4": ("default", {"city.rows": 1000, "city.cols": 1000, "city.grid_cells": 5}),
    "citywide": ("citywide", {}),
    "nantong": ("nantong", {}),
}
"""Scenarios that each stress one term of the estimate, and two whole ones."""

PROBE = r"""
import json, sys, time
from pathlib import Path
from polsim import PolicingModel
from polsim.scenario.budget import estimate
from polsim.scenario import load_scenario

name, overrides, steps, policy = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
PolicingModel("default", seed=1).run(steps=3)  # compile and warm up outside the timing
scenario = load_scenario(name, overrides, seed=1)
started = time.perf_counter()
model = PolicingModel(scenario, policy=policy, seed=1)
setup = time.perf_counter() - started
model.run(steps=2)
started = time.perf_counter()
model.run(steps=steps)
step = (time.perf_counter() - started) / steps
status = Path("/proc/self/status").read_text().splitlines()
hwm = next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmHWM:"))
vm = next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmPeak:"))
guess = estimate(scenario.spec, steps + 2)
print(json.dumps({"peak": hwm, "vm": vm, "setup": setup, "step": step, "incidents": len(model.incidents),
                  "est_peak": guess.peak_bytes, "est_setup": guess.setup_seconds,
                  "est_step": guess.step_seconds, "est_incidents": guess.incidents}))
"""


def measure(scenario: str, overrides: dict, steps: int, policy: str) -> dict:
    """Run one case in a fresh process; returns measured and estimated figures."""
    done = subprocess.run([sys.executable, "-c", PROBE, scenario, json.dumps(overrides), str(steps), policy],
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--policy", default="random")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    print(f"{'case':<20} {'peak MiB':>9} {'est':>7} {'ratio':>6} {'VM MiB':>7}  {'setup s':>8} {'est':>7}  "
          f"{'step ms':>8} {'est':>7} {'ratio':>6}  {'incid.':>6} {'est':>6}")
    for name, (scenario, overrides) in CASES.items():
        if args.only and args.only not in name:
            continue
        m = measure(scenario, overrides, args.steps, args.policy)
        print(f"{name:<20} {m['peak'] / 2**20:9.0f} {m['est_peak'] / 2**20:7.0f} {m['est_peak'] / m['peak']:6.2f} "
              f"{m['vm'] / 2**20:7.0f}  "
              f"{m['setup']:8.2f} {m['est_setup']:7.2f}  {m['step'] * 1e3:8.2f} {m['est_step'] * 1e3:7.2f} "
              f"{m['est_step'] / m['step']:6.2f}  {m['incidents']:6d} {m['est_incidents']:6d}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
