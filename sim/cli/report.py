"""``polsim report``: tables with 95% intervals, figures and report.html for a sweep folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from polsim.cli import UsageError
from polsim.cli.checks import check_out_folder


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``report``."""
    p = subparsers.add_parser("report", help="tables, figures and report.html of a sweep folder",
                              description="Summarise a sweep (polsim sweep --out DIR): each metric by "
                              "parameter and policy with 95%% intervals, plots, a heatmap, report.html.")
    p.add_argument("dir", type=Path, help="the sweep folder")
    return p


def run(args: argparse.Namespace) -> int:
    """Write the report into the sweep folder and say where it is."""
    from polsim.experiments.plan import PLAN_FILE
    from polsim.experiments.report import write_report

    if not (args.dir / PLAN_FILE).is_file():
        raise UsageError(f"{args.dir}: not a sweep folder ({PLAN_FILE} missing); run polsim sweep first")
    check_out_folder(args.dir, "DIR")  # the report is written into it
    try:
        path = write_report(args.dir)
    except ValueError as err:
        raise UsageError(str(err)) from None
    print(f"report: {path}")
    return 0
