"""``polsim validate-model [--quick] [--out docs]``: rerun the validation suite, write the report."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``validate-model``."""
    p = subparsers.add_parser(
        "validate-model", help="run the validation cases and write docs/validation.md",
        description="Run the validation suite (Short et al. 2008 hotspots, Short et al. 2010 hotspot "
                    "suppression, Erlang C, M/G/1 with travel, WDQ by hand, "
                    "backend agreement) and write validation.md and its figures.")
    p.add_argument("--quick", action="store_true", help="short runs, to try the script")
    p.add_argument("--out", default="docs", help="folder for validation.md and validation/*.png")
    return p


def run(args: argparse.Namespace) -> int:
    """Run the cases and print the path of the report."""
    from polsim.cli import UsageError
    from polsim.cli.checks import check_out_folder
    from polsim.validation.report import FULL, QUICK, write_report

    out = Path(args.out)
    if not args.out.strip():
        raise UsageError("--out must not be empty; give a folder")
    check_out_folder(out)  # before the cases run (minutes), not after
    try:
        print(write_report(out, QUICK if args.quick else FULL))
    except OSError as err:
        raise UsageError(f"--out {out}: cannot write the report: {err.strerror or err}") from None
    return 0
