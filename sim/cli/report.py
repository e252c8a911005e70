"""``polsim report``: report.html, its tables and figures, for a sweep folder or an optimisation study folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from polsim.cli import UsageError
from polsim.cli.checks import check_out_folder


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``report``."""
    p = subparsers.add_parser("report", help="tables, figures and report.html of a sweep or optimisation folder",
                              description="Summarise a sweep (polsim sweep --out DIR): each metric by "
                              "parameter and policy with 95%% intervals, plots, a heatmap, report.html; or an "
                              "optimisation study (polsim optimise --out DIR): the Pareto points with 95%% "
                              "intervals against the shipped deployment, the front's figures, report.html.")
    p.add_argument("dir", type=Path, help="the sweep folder, or a study folder of polsim optimise")
    return p


def run(args: argparse.Namespace) -> int:
    """Write the report into the sweep or study folder and say where it is."""
    from polsim.experiments.optimise.study import STUDY_FILE
    from polsim.experiments.sweep.plan import PLAN_FILE
    from polsim.experiments.sweep.report import write_report

    if (args.dir / STUDY_FILE).exists():  # an optimisation study (polsim optimise)
        from polsim.experiments.optimise.report import write_report
    elif not (args.dir / PLAN_FILE).is_file():
        raise UsageError(f"{args.dir}: not a sweep or optimisation folder ({PLAN_FILE} or {STUDY_FILE} missing); "
                         "run polsim sweep or polsim optimise first")
    check_out_folder(args.dir, "DIR")  # the report is written into it
    try:
        path = write_report(args.dir)
    except ValueError as err:
        raise UsageError(str(err)) from None
    print(f"report: {path}")
    return 0
