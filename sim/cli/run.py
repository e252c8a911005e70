"""``polsim run``: one scenario, one policy, one seed; a summary table and result files."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from polsim.cli import UsageError
from polsim.cli.common import (
    add_calls_arguments,
    add_scenario_arguments,
    check_out_dir,
    check_seed,
    load_checked,
    out_path,
)
from polsim.model import PolicingModel, policy_name
from polsim.output import folder_name, write_run
from polsim.replay.feed import replay_scenario
from polsim.scenario import ScenarioError, budget
from polsim.scenario.advice import warnings

LONG_RUN_SECONDS = 600
"""A run expected to take longer than this says so before it starts."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``run``."""
    p = subparsers.add_parser("run", help="run a scenario and write its results",
                              description="Run one scenario under one policy and seed.")
    add_scenario_arguments(p)
    add_calls_arguments(p)
    p.add_argument("--policy", help="policy name or package.module:Class (default: the scenario's "
                                    "policy.name, else random)")
    p.add_argument("--seed", type=int, default=1, help="run seed (default 1)")
    p.add_argument("--out", type=out_path, help="output folder (default runs/SCENARIO-POLICY-sSEED, the "
                                            "scenario's name made a safe folder name)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def run(args: argparse.Namespace) -> int:
    """Validate everything (the output folder and the memory too), run, write, print the summary."""
    check_seed(args.seed, "--seed")
    scenario = load_checked(args, seed=args.seed)
    args.policy = args.policy or policy_name(scenario.spec)
    out = args.out if args.out is not None else Path("runs") / folder_name(scenario.spec.name, args.policy,
                                                                          f"s{args.seed}")
    check_out_dir(out)
    planned, calls = scenario, 0
    if scenario.spec.calls.source and args.days is not None:
        raise UsageError("--days: a replay runs over its --period; allowed: --steps to run part of it")
    if scenario.spec.calls.source:  # read and check the records now, before anything runs
        planned, table = replay_scenario(scenario)
        calls = len(table)
        print(f"polsim: replaying {calls:,} calls of {table.period} from {table.source}"
              + (" (times drawn from the hourly profile)" if table.times_drawn else ""), file=sys.stderr)
    guess = budget.check(planned.spec, scenario.source, calls=calls)
    for line in warnings(scenario.spec):
        print(f"polsim: warning: {scenario.source}: {line}", file=sys.stderr)
    steps = args.steps or guess.steps
    if budget.kernels_cold():
        print("polsim: compiling the kernels, once per machine (about 15 s) ...", file=sys.stderr, flush=True)
    if guess.seconds_for(steps) > LONG_RUN_SECONDS:
        print(f"polsim: this run is estimated at {budget.duration(guess.seconds_for(steps))} ({steps:,} steps); "
              "Ctrl-C stops it", file=sys.stderr, flush=True)
    with _user_policy_errors(args.policy):
        model = PolicingModel(scenario, policy=args.policy, backend=args.backend)
        started = time.perf_counter()
        model.run(steps=args.steps, progress=not args.no_progress)
        elapsed = time.perf_counter() - started
    info = {"command": shlex.join(["polsim", *sys.argv[1:]]), "scenario_file": scenario.source,
            "wall_seconds": round(elapsed, 3), "steps": int(model.steps),
            "steps_per_second": round(model.steps / elapsed, 1) if elapsed > 0 else None}
    if model.calls is not None:
        info["replay"] = model.calls.describe()
    try:
        summary = write_run(model, out, info)
    except OSError as err:
        raise UsageError(f"--out {out}: cannot write the results: {err.strerror or err}") from None
    print(format_summary(summary))
    print(f"results in {out}/ ({elapsed:.1f} s)")
    return 0


@contextmanager
def _user_policy_errors(policy: str) -> Iterator[None]:
    """A user's own policy (``package.module:Class``) failing while the model is built or run is
    the one-line error naming it and where it failed, not a traceback; with built-in policies
    only, an exception is polsim's own bug and keeps its traceback.
    """
    try:
        yield
    except ScenarioError:
        raise
    except Exception as err:
        if ":" not in policy:
            raise
        frames = traceback.extract_tb(err.__traceback__)
        at = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
        first = (str(err).splitlines() or [""])[0]
        raise UsageError(f"--policy {policy}: failed{at}: {type(err).__name__}: {first}") from None


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
    replay = s.get("replay")
    if replay:
        drawn = ", times drawn from the hourly profile" if replay["times_drawn"] else ""
        rows.insert(1, ("replay of", f"{replay['calls']} {replay['period']} ({replay['calls_made']:,} of "
                                     f"{replay['records']:,} calls{drawn})"))
        for name, pair in replay["recorded_vs_simulated"].items():
            rec, sim = pair["recorded"], pair["simulated"]
            rows.append((f"{name.removesuffix('_min')} recorded/sim", f"mean {num(rec['mean'])} / {num(sim['mean'])}"
                         f"  median {num(rec['median'])} / {num(sim['median'])}"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
