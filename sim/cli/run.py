"""``polsim run``: one scenario, one policy, one seed; a summary table and result files."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from polsim.cli.common import add_scenario_arguments, check_seed, load_checked
from polsim.model import PolicingModel
from polsim.output import write_run


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``run``."""
    p = subparsers.add_parser("run", help="run a scenario and write its results",
                              description="Run one scenario under one policy and seed.")
    add_scenario_arguments(p)
    p.add_argument("--policy", default="random", help="policy name or package.module:Class")
    p.add_argument("--seed", type=int, default=1, help="run seed (default 1)")
    p.add_argument("--out", type=Path, help="output folder (default runs/SCENARIO-POLICY-sSEED)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def run(args: argparse.Namespace) -> int:
    """Validate everything, run, write the files, print the summary table."""
    check_seed(args.seed, "--seed")
    scenario = load_checked(args, seed=args.seed)
    model = PolicingModel(scenario, policy=args.policy, backend=args.backend,
                          dispatch=args.dispatch)
    out = args.out or Path("runs") / f"{model.spec.name}-{args.policy}-s{args.seed}"
    started = time.perf_counter()
    model.run(steps=args.steps, progress=not args.no_progress)
    elapsed = time.perf_counter() - started
    info = {"command": shlex.join(["polsim", *sys.argv[1:]]), "scenario_file": scenario.source,
            "wall_seconds": round(elapsed, 3), "steps": int(model.steps),
            "steps_per_second": round(model.steps / elapsed, 1) if elapsed > 0 else None}
    summary = write_run(model, out, info)
    print(format_summary(summary))
    print(f"results in {out}/ ({elapsed:.1f} s)")
    return 0


def format_summary(s: dict) -> str:
    """A short plain-text table of the headline numbers."""
    rt = s["response_time_min"]

    def num(v, fmt="{:.2f}"):
        return "-" if v is None else fmt.format(v)

    rows = [
        ("scenario / policy", f"{s['scenario']} / {s['policy']} (seed {s['seed']}, {s['backend']})"),
        ("simulated", f"{s['sim_minutes'] / 1440:.2f} days ({s['steps']} steps)"),
        ("crimes", f"{s['crimes']['total']}  "
         + ", ".join(f"{k} {v}" for k, v in s["crimes"]["by_type"].items())),
        ("incidents", f"{s['incidents']} ({rt['calls']} calls, {s['incidents_open']} still open; "
                      f"{s['incidents_unreported']} crimes not reported yet)"),
        ("response (min)", f"mean {num(rt['mean'])}  median {num(rt['median'])}  p90 {num(rt['p90'])}"),
        ("within 1/3/5 min", " / ".join(num(rt[f"within_{k}"], "{:.0%}") for k in (1, 3, 5))),
        ("arrests", str(s["arrests"])),
        ("utilisation", num(s["utilisation"], "{:.1%}")),
        ("visibility", num(s["visibility"], "{:.1%}")),
        ("disputes escalated", f"{s['disputes_escalated']} of {s['disputes']['total']}"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
