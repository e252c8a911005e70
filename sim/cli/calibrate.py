"""``polsim calibrate``: fit a scenario's crime field to a period of imported records."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

from polsim.cli import UsageError
from polsim.cli.checks import Bound, check_number, check_out_file, check_out_folder, check_scheduler_option, max_workers
from polsim.data.errors import DataError
from polsim.files import process_alive


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``calibrate``."""
    from polsim.data.calibrate import FIT_EXPOSURE_MULTIPLE, FitOptions

    d = FitOptions()
    p = subparsers.add_parser("calibrate", help="fit a scenario's crime field to imported records",
                              description="Fit the baseline field, hourly profile, type mix and report delays "
                                          "of a scenario to a period of records, running the model until "
                                          "simulated and observed counts agree over 500 m blocks.")
    p.add_argument("scenario", help="scenario file, or the name of a shipped scenario")
    p.add_argument("--data", type=Path, required=True, help="a table written by polsim data import")
    p.add_argument("--period", required=True, help="e.g. 2016-07..2017-07 or 2018-01-01..2018-03-31")
    p.add_argument("--out", type=Path, required=True, help="the calibrated scenario (.toml) to write")
    p.add_argument("--name", help="name of the calibrated scenario (default: SOURCE_calibrated)")
    add_run_options(p, d.replications, d.warmup_days, f"{FIT_EXPOSURE_MULTIPLE:g} x the period's days")
    p.add_argument("--rounds", type=int, default=d.rounds, help=f"most rounds (default {d.rounds})")
    p.add_argument("--bandwidth-m", type=float, default=d.bandwidth_m,
                   help="Gaussian kernel bandwidth of the starting density (default "
                        f"{d.bandwidth_m:g} m: none, the records' own cells)")
    p.add_argument("--block-m", type=float, default=d.block_m,
                   help=f"side of the test's blocks (default {d.block_m:g} m)")
    p.add_argument("--min-rounds", type=int, default=d.min_rounds,
                   help=f"rounds run even when the test agrees earlier (default {d.min_rounds})")
    p.add_argument("--alpha", type=float, default=d.alpha, help=f"agreement when p >= alpha (default {d.alpha})")
    p.add_argument("--damping", type=float, default=d.damping,
                   help=f"exponent of a block's update (default {d.damping})")
    return p


def add_run_options(p: argparse.ArgumentParser, replications: int, warmup: float, exposure: str) -> None:
    """Options shared with ``backtest``: replications, run length, Dask, outside share, progress.

    ``--days`` defaults to the whole days that give the replications together ``exposure`` (the
    data's days times a multiple; :func:`polsim.data.runs.days_for_exposure`).
    """
    from polsim.data.read import MAX_OUTSIDE

    p.add_argument("--replications", type=int, default=replications,
                   help=f"runs per round (default {replications})")
    p.add_argument("--days", type=float, help="simulated days counted per run (default: whole days enough for "
                                              f"replications x days = {exposure})")
    p.add_argument("--warmup-days", type=float, default=warmup,
                   help=f"simulated days before counting starts (default {warmup:g})")
    p.add_argument("--workers", type=int, help="Dask LocalCluster workers (default: one per core; 0: run here)")
    p.add_argument("--scheduler", help="address of a running Dask scheduler instead of a LocalCluster")
    p.add_argument("--max-outside", type=float, default=MAX_OUTSIDE,
                   help=f"largest share of records allowed off the city (default {MAX_OUTSIDE})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


MAX_REPLICATIONS = 1_000
"""Runs of a calibration round or a back-test: far more than the test's spread needs."""
MAX_ROUNDS = 1_000
MAX_DAYS = 3_660.0
"""Simulated days of a run (ten years), counted or warming up."""
MAX_BANDWIDTH_M = 50_000.0
"""The starting density's kernel: wider than a city smooths it flat (and its kernel would not fit)."""
MAX_BLOCK_M = 100_000.0
"""The test's blocks: larger than a city is one block."""


def check_run_options(args: argparse.Namespace) -> None:
    """Bounds of the shared options, each named as typed; a scheduler that does not answer."""
    check_number("--replications", args.replications, Bound(2, MAX_REPLICATIONS))
    check_number("--days", args.days, Bound(0, MAX_DAYS, open_low=True))
    check_number("--warmup-days", args.warmup_days, Bound(0, MAX_DAYS))
    if args.days is not None and args.days + args.warmup_days > MAX_DAYS:  # a run is both: the scenario's time.days
        raise UsageError(f"--days + --warmup-days must be <= {MAX_DAYS:,g}, got {args.days + args.warmup_days:g}")
    check_number("--workers", args.workers, Bound(0, max_workers()))
    check_number("--max-outside", args.max_outside, Bound(0, 1))
    if args.workers is not None and args.scheduler:
        raise UsageError("--workers starts a local cluster; with --scheduler the cluster has its own workers")
    check_scheduler_option(args.scheduler)


def resolve_days(args: argparse.Namespace, data_days: float, multiple: float) -> None:
    """Set ``args.days`` when it was not given (``multiple`` x ``data_days`` over the replications), and
    check the run it makes is not over the limit.
    """
    from polsim.data.runs import days_for_exposure

    if args.days is None:
        args.days = days_for_exposure(data_days, args.replications, multiple)
        if args.days + args.warmup_days > MAX_DAYS:
            raise UsageError(f"--days (default {args.days:g}: {multiple:g} x {data_days:g} days over "
                             f"{args.replications} replications) + --warmup-days must be <= {MAX_DAYS:,g}; "
                             "give --days, or more --replications")


def check_budget(args: argparse.Namespace, rounds: int, command: str) -> None:
    """Estimate the runs, refuse them above the limits, and say the estimate, before the first run."""
    from polsim.data.budget import check_runs, estimate_runs
    from polsim.scenario.budget import limit_bytes

    est = estimate_runs(args.scenario, rounds, args.replications, args.days, args.warmup_days)
    try:
        check_runs(est, command, limit_bytes()[0])
    except DataError as err:
        raise UsageError(str(err)) from None
    print(f"{command}: {est.describe()}", file=sys.stderr)


def client_for(args: argparse.Namespace):
    """A Dask client (LocalCluster or scheduler), or a null context for --workers 0."""
    if args.workers == 0 and not args.scheduler:
        return nullcontext(None)
    from polsim.experiments.sweep.runner import dask_client

    return dask_client(args.workers, args.scheduler)


def run(args: argparse.Namespace) -> int:
    """Check everything, fit, write the files, print the rounds."""
    from polsim.cities.source import city_for
    from polsim.data.calibrate import FIT_EXPOSURE_MULTIPLE, FitOptions, fit
    from polsim.data.calibrated import rounds_text, warnings, write_calibration
    from polsim.data.observed import observe
    from polsim.data.period import parse_period
    from polsim.data.store import read_records
    from polsim.scenario import load_scenario

    try:
        check_run_options(args)
        options = FitOptions(args.rounds, args.replications, args.days or 1.0, args.warmup_days, args.bandwidth_m,
                             args.block_m, args.alpha, args.damping, min_rounds=args.min_rounds)
        _check_fit_options(options, args.out)
        spec = load_scenario(args.scenario).spec
        records = read_records(args.data)
        period = parse_period(args.period)
        city = city_for(spec.city)
        obs = observe(records, city, list(spec.crimes), period, str(args.data), args.max_outside)
    except DataError as err:
        raise UsageError(str(err)) from None
    resolve_days(args, obs.days, FIT_EXPOSURE_MULTIPLE)
    options = replace(options, days=args.days)
    check_budget(args, args.rounds, "calibrate")
    print(f"{obs.total} records of {period.text} ({obs.days:g} days) on {spec.name}'s "
          f"{city.rows}x{city.cols} city; {obs.outside} outside it")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with client_for(args) as client, round_folder(args.out.parent) as work:
        result = fit(args.scenario, spec, city, obs, options, work, client, not args.no_progress)
    info = {"command": shlex.join(["polsim", *sys.argv[1:]]), "scenario": str(args.scenario),
            "data": str(args.data), "period": period.text}
    files = write_calibration(args.out, args.scenario, result, obs, options, info, args.name)
    print(rounds_text(result))
    for line in warnings(result):
        print(line)
    state = "agree within sampling noise" if result.converged else "still differ (round limit reached)"
    print(f"simulated and observed counts {state}; best round {result.best}")
    print(f"wrote {files['scenario']} (+ {files['baseline'].name}, {files['rounds'].name}, "
          f"{files['json'].name}, {files['figure'].name})")
    return 0


def _check_fit_options(o, out: Path) -> None:
    check_number("--rounds", o.rounds, Bound(1, MAX_ROUNDS))
    check_number("--min-rounds", o.min_rounds, Bound(1, MAX_ROUNDS))
    check_number("--bandwidth-m", o.bandwidth_m, Bound(0, MAX_BANDWIDTH_M))
    check_number("--block-m", o.block_m, Bound(0, MAX_BLOCK_M, open_low=True))
    if not 0 < o.alpha < 1:
        raise UsageError(f"--alpha must be in (0, 1), got {o.alpha}")
    if not 0 < o.damping <= 1:
        raise UsageError(f"--damping must be in (0, 1], got {o.damping}")
    if out.suffix != ".toml":
        raise DataError("--out", str(out), "must end in .toml")
    if out.parent.is_dir():
        check_out_file(out)
    else:  # made when the fit is done
        check_out_folder(out.parent)


@contextmanager
def round_folder(beside: Path) -> Iterator[Path]:
    """A scratch folder for the rounds' files beside the output, removed afterwards.

    Its name carries this process's id, so that one a killed calibration left behind is removed
    by the next calibration in the same folder (and one still running elsewhere is left alone).
    """
    for stale in beside.glob(f"{ROUNDS_PREFIX}*"):
        pid = stale.name[len(ROUNDS_PREFIX):].split("-", 1)[0]
        if stale.is_dir() and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=beside, prefix=f"{ROUNDS_PREFIX}{os.getpid()}-") as work:
        yield Path(work)


ROUNDS_PREFIX = ".calibrate-"

