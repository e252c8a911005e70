"""``polsim bench [--quick] [--out FILE.json]``: the performance table, printed and saved."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from polsim.cli import UsageError
from polsim.cli.checks import check_out_file
from polsim.files import write_atomically


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``bench``."""
    from polsim.benchmarks.table import ROWS

    p = subparsers.add_parser(
        "bench", help="measure the engine: backends and their ratio, kernel, scaling, memory, "
                      "compile time, the citywide scenario",
        description="Measure polsim's speed on this machine and print the table "
                    "(see docs/performance.md). --quick finishes in about two minutes on 2 cores.")
    p.add_argument("--quick", action="store_true", help="short measurements (about 2 minutes)")
    p.add_argument("--out", type=Path, help="also write the table as JSON to this file")
    p.add_argument("--only", help=f"comma-separated rows to measure, of: {', '.join(ROWS)}")
    return p


def run(args: argparse.Namespace) -> int:
    """Measure, print the table, write the JSON (atomically) if asked."""
    from polsim.benchmarks.table import ROWS, format_table, run_bench

    rows = [r.strip() for r in args.only.split(",")] if args.only else None
    unknown = [r for r in rows or [] if r not in ROWS]
    if unknown:
        raise UsageError(f"--only: unknown row {unknown[0]!r}; rows: {', '.join(ROWS)}")
    if args.out is not None:
        check_out_file(args.out)
    table = run_bench(args.quick, rows)
    print(format_table(table))
    if args.out is not None:
        text = json.dumps(table, indent=2) + "\n"
        write_atomically(args.out, lambda p: p.write_text(text))
    return 0
