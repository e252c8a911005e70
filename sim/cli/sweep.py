"""``polsim sweep``: run a sweep spec (points x policies x replications) on Dask; resumable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from polsim.cli import UsageError


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``sweep``."""
    p = subparsers.add_parser("sweep", help="run a parameter sweep on Dask (resumable Parquet results)",
                              description="Run every point of a sweep spec under every policy and "
                              "replication, one Dask task per run; see docs/sweeps.md.")
    p.add_argument("spec", type=Path, help="sweep spec file (TOML)")
    p.add_argument("--out", type=Path, required=True, help="sweep folder (plan.json, parts/, maps/)")
    p.add_argument("--workers", type=int, help="local worker processes (default: the cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--resume", action="store_true", help="continue the sweep in --out: run only what is missing")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def run(args: argparse.Namespace) -> int:
    """Validate the spec, write or check the plan, run what is missing, say where results are."""
    from polsim.experiments.plan import PLAN_FILE, make_plan, read_plan, write_plan
    from polsim.experiments.spec import load_sweep

    try:
        from polsim.experiments.runner import dask_client, run_plan
    except ImportError as err:
        raise UsageError(f"polsim sweep needs Dask distributed ({err}); pip install 'polsim[dist]'") from None
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be >= 1, got {args.workers}")
    if args.workers is not None and args.scheduler:
        raise UsageError("--workers starts a local cluster; with --scheduler the cluster has its own workers")
    spec = load_sweep(args.spec)
    plan = make_plan(spec)
    existing = args.out / PLAN_FILE
    if args.resume:
        if not existing.exists():
            raise UsageError(f"--resume: {args.out} holds no sweep ({PLAN_FILE} missing)")
        if _design(read_plan(args.out).as_dict()) != _design(_comparable(plan)):
            raise UsageError(f"--resume: {args.spec} no longer matches the sweep in {args.out} "
                             "(the spec changed); use another --out")
        plan = read_plan(args.out)
    else:
        if existing.exists():
            raise UsageError(f"{args.out} already holds a sweep; add --resume to continue it, or use another --out")
        write_plan(args.out, plan)
    with dask_client(args.workers, args.scheduler) as client:
        result = run_plan(plan, args.out, client, progress=not args.no_progress)
    done = f"{result.ran} runs now, {result.skipped} done before" if result.skipped else f"{result.ran} runs"
    print(f"sweep {spec.name or args.spec.stem}: {result.total} runs in {args.out}/ ({done}, "
          f"{result.failed} failed); tables and figures: polsim report {args.out}")
    if result.failed:
        print(f"polsim: {result.failed} runs failed; their errors are in the 'error' column", file=sys.stderr)
    return 0


def _design(plan: dict) -> dict:
    """What must not change for a resume: everything but where the spec file was read from."""
    return {k: v for k, v in plan.items() if k != "spec_file"}


def _comparable(plan) -> dict:
    """The plan as plan.json would hold it after a round trip (tuples become lists)."""
    import json

    return json.loads(json.dumps(plan.as_dict()))
