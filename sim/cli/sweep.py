"""``polsim sweep``: run a sweep spec (points x policies x replications) on Dask; resumable."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from polsim.cli import UsageError
from polsim.cli.checks import Bound, check_number, check_out_folder, max_workers


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``sweep``."""
    from polsim.experiments.sweep.estimate import MAX_HOURS
    from polsim.experiments.sweep.spec import MAX_RUNS

    p = subparsers.add_parser("sweep", help="run a parameter sweep on Dask (resumable Parquet results)",
                              description="Run every point of a sweep spec under every policy and "
                              "replication, one Dask task per run; see docs/sweeps.md.")
    p.add_argument("spec", type=Path, help="sweep spec file (TOML)")
    p.add_argument("--out", type=Path, required=True, help="sweep folder (plan.json, parts/, maps/)")
    p.add_argument("--workers", type=int, help="local worker processes (default: the cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--resume", action="store_true", help="continue the sweep in --out: run only what is missing")
    p.add_argument("--max-runs", type=int, default=MAX_RUNS,
                   help=f"refuse a plan of more runs than this (default {MAX_RUNS:,})")
    p.add_argument("--max-hours", type=float, default=MAX_HOURS,
                   help=f"refuse a sweep estimated at more worker-hours than this (default {MAX_HOURS:g})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def check_arguments(args: argparse.Namespace) -> None:
    """Every option in its bounds, and the sweep folder usable, before the spec is even read."""
    check_number("--workers", args.workers, Bound(1, max_workers()))
    check_number("--max-runs", args.max_runs, Bound(1, 10**9))
    check_number("--max-hours", args.max_hours, Bound(0, 1e6, open_low=True))
    if args.workers is not None and args.scheduler:
        raise UsageError("--workers starts a local cluster; with --scheduler the cluster has its own workers")
    check_out_folder(args.out)


def run(args: argparse.Namespace) -> int:
    """Check everything, estimate, write or check the plan, run what is missing, say where results are."""
    from polsim.experiments.sweep.spec import load_sweep

    try:
        from polsim.experiments.sweep import runner
    except ImportError as err:
        raise UsageError(f"polsim sweep needs Dask distributed ({err}); pip install 'polsim[dist]'") from None
    check_arguments(args)
    try:
        if args.scheduler:
            runner.check_scheduler(args.scheduler)  # two seconds, before the spec is even read
        _check_folder(args)
        spec = load_sweep(args.spec, max_runs=args.max_runs)
        estimate = _estimate(spec, args)
        plan = _plan(spec, args)
        with runner.dask_client(args.workers, args.scheduler) as client:
            result = _run(plan, estimate, client, args)
    except runner.SchedulerUnreachableError as err:
        raise UsageError(f"--scheduler: {err}{_kept(args)}") from None
    name = spec.name or args.spec.stem
    done = f"{result.ran} runs now, {result.skipped} done before" if result.skipped else f"{result.ran} runs"
    print(f"sweep {name}: {result.total} runs in {args.out}/ ({done}, {result.failed} failed); "
          f"tables and figures: polsim report {args.out}")
    if result.failed:
        print(f"polsim: {result.failed} runs failed; their errors are in the 'error' column", file=sys.stderr)
    return 0


def _check_folder(args: argparse.Namespace) -> None:
    """A new sweep needs a folder without one; a resumed one needs its folder's plan."""
    from polsim.experiments.sweep.plan import PLAN_FILE

    existing = args.out / PLAN_FILE
    if not args.resume and existing.exists():
        raise UsageError(f"--out: {args.out} already holds a sweep; add --resume to continue it, or start over "
                         f"with another --out (or after removing {args.out})")
    if args.resume and not existing.exists():
        raise UsageError(f"--resume: {args.out} holds no sweep ({PLAN_FILE} missing); leave --resume out to start one")


def _estimate(spec, args: argparse.Namespace):
    """The sweep's estimate, refused above ``--max-hours``."""
    from polsim.experiments.sweep.estimate import check_estimate, estimate

    est = estimate(spec)
    try:
        check_estimate(est, args.max_hours, str(args.spec))
    except ValueError as err:
        raise UsageError(str(err)) from None
    return est


def _plan(spec, args: argparse.Namespace):
    """The spec's plan; resuming, the folder's plan, which the spec must still give."""
    from polsim.experiments.sweep.plan import make_plan, read_plan

    plan = make_plan(spec)
    if not args.resume:
        return plan
    try:
        kept = read_plan(args.out)
    except ValueError as err:
        raise UsageError(f"--resume: {err}") from None
    if _design(kept.as_dict()) != _design(_comparable(plan)):
        raise UsageError(f"--resume: {args.spec} no longer matches the sweep in {args.out} (the spec changed); "
                         "use another --out")
    return kept


def _run(plan, estimate, client, args: argparse.Namespace):
    """Write a new sweep's plan (only now that a cluster is there to run it), then run what is missing."""
    from polsim.experiments.sweep.plan import write_plan
    from polsim.experiments.sweep.runner import run_plan

    if not args.resume:
        write_plan(args.out, plan)
    if not args.no_progress:
        name = plan.spec["name"] or args.spec.stem
        print(f"sweep {name}: {estimate.describe(_workers(client))}", file=sys.stderr)
    return run_plan(plan, args.out, client, progress=not args.no_progress)


def _kept(args: argparse.Namespace) -> str:
    """What the error of a failed resume adds: the folder is untouched, and how to go on."""
    return f"; the sweep in {args.out} is kept: rerun with --resume once the scheduler is up" if args.resume else ""


def _workers(client) -> int:
    """How many workers the cluster has now (0 when it cannot say)."""
    try:
        return len(client.scheduler_info().get("workers", {}))
    except Exception:  # noqa: BLE001 - only a progress line depends on it
        return 0


def _design(plan: dict) -> dict:
    """What must not change for a resume: everything but where the spec file was read from."""
    return {k: v for k, v in plan.items() if k != "spec_file"}


def _comparable(plan) -> dict:
    """The plan as plan.json would hold it after a round trip (tuples become lists)."""
    return json.loads(json.dumps(plan.as_dict()))
