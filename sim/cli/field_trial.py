"""``polsim field-trial STUDY --out DIR``: re-enact a field experiment (experiments/studies/)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from polsim.cli import UsageError


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``field-trial``."""
    p = subparsers.add_parser(
        "field-trial", help="re-enact a field experiment of policing (hot spots, patrol levels)",
        description="Run a study file's [trial] (Minneapolis hot spots, Kansas City preventive patrol) "
                    "and write trial.json and trial.md.")
    p.add_argument("study", help="a study file with a [trial] table (experiments/studies/*.toml)")
    p.add_argument("--out", required=True, help="folder for trial.json and trial.md")
    p.add_argument("--seeds", type=int, help="run seeds 1..N instead of the file's seeds")
    p.add_argument("--days", type=float, help="days of treatment instead of the file's")
    return p


def run(args: argparse.Namespace) -> int:
    """Run the trial and print the path of its report."""
    from polsim.experiments.field_trials import TrialError, load_trial, run_study

    try:
        spec = load_trial(args.study)
    except TrialError as err:
        raise UsageError(str(err)) from None
    if args.seeds is not None:
        if not 1 <= args.seeds <= 1000:
            raise UsageError(f"--seeds: {args.seeds}; allowed: 1..1000")
        spec = replace(spec, seeds=list(range(1, args.seeds + 1)))
    if args.days is not None:
        if not 0.1 <= args.days <= 365:
            raise UsageError(f"--days: {args.days:g}; allowed: 0.1..365")
        spec = replace(spec, days=args.days)
    print(run_study(spec, Path(args.out), progress=lambda line: print(line, file=sys.stderr, flush=True)))
    return 0
