"""``polsim calibrate``: fit a scenario's crime field to a period of imported records."""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path

from polsim.cli import UsageError
from polsim.data.errors import DataError


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``calibrate``."""
    from polsim.data.calibrate import FitOptions

    d = FitOptions()
    p = subparsers.add_parser("calibrate", help="fit a scenario's crime field to imported records",
                              description="Fit the baseline field, hourly profile, type mix and report delays "
                                          "of a scenario to a period of records, running the model until "
                                          "simulated and observed counts agree over 1 km blocks.")
    p.add_argument("scenario", help="scenario file, or the name of a shipped scenario")
    p.add_argument("--data", type=Path, required=True, help="a table written by polsim data import")
    p.add_argument("--period", required=True, help="e.g. 2016-07..2017-07 or 2018-01-01..2018-03-31")
    p.add_argument("--out", type=Path, required=True, help="the calibrated scenario (.toml) to write")
    p.add_argument("--name", help="name of the calibrated scenario (default: SOURCE_calibrated)")
    add_run_options(p, d.replications, d.days, d.warmup_days)
    p.add_argument("--rounds", type=int, default=d.rounds, help=f"most rounds (default {d.rounds})")
    p.add_argument("--bandwidth-m", type=float, default=d.bandwidth_m,
                   help=f"Gaussian kernel bandwidth of the starting density (default {d.bandwidth_m:g} m)")
    p.add_argument("--block-m", type=float, default=d.block_m,
                   help=f"side of the test's blocks (default {d.block_m:g} m)")
    p.add_argument("--alpha", type=float, default=d.alpha, help=f"agreement when p >= alpha (default {d.alpha})")
    p.add_argument("--damping", type=float, default=d.damping,
                   help=f"exponent of a block's update (default {d.damping})")
    return p


def add_run_options(p: argparse.ArgumentParser, replications: int, days: float, warmup: float) -> None:
    """Options shared with ``backtest``: replications, run length, Dask, outside share, progress."""
    from polsim.data.read import MAX_OUTSIDE

    p.add_argument("--replications", type=int, default=replications,
                   help=f"runs per round (default {replications})")
    p.add_argument("--days", type=float, default=days, help=f"simulated days counted per run (default {days:g})")
    p.add_argument("--warmup-days", type=float, default=warmup,
                   help=f"simulated days before counting starts (default {warmup:g})")
    p.add_argument("--workers", type=int, help="Dask LocalCluster workers (default: one per core; 0: run here)")
    p.add_argument("--scheduler", help="address of a running Dask scheduler instead of a LocalCluster")
    p.add_argument("--max-outside", type=float, default=MAX_OUTSIDE,
                   help=f"largest share of records allowed off the city (default {MAX_OUTSIDE})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def check_run_options(args: argparse.Namespace) -> None:
    """Bounds of the shared options."""
    if args.replications < 2:
        raise DataError("--replications", str(args.replications), "must be >= 2 (the test needs the spread)")
    if args.days <= 0 or args.warmup_days < 0:
        raise DataError("--days", str(args.days), "must be > 0 (and --warmup-days >= 0)")
    if args.workers is not None and args.workers < 0:
        raise DataError("--workers", str(args.workers), "must be >= 0")


def client_for(args: argparse.Namespace):
    """A Dask client (LocalCluster or scheduler), or a null context for --workers 0."""
    if args.workers == 0 and not args.scheduler:
        return nullcontext(None)
    from polsim.experiments.runner import dask_client

    return dask_client(args.workers, args.scheduler)


def run(args: argparse.Namespace) -> int:
    """Check everything, fit, write the files, print the rounds."""
    from polsim.cities.source import city_for
    from polsim.data.calibrate import FitOptions, fit
    from polsim.data.calibrated import rounds_text, warnings, write_calibration
    from polsim.data.observed import observe
    from polsim.data.period import parse_period
    from polsim.data.store import read_records
    from polsim.scenario import load_scenario

    try:
        check_run_options(args)
        options = FitOptions(args.rounds, args.replications, args.days, args.warmup_days, args.bandwidth_m,
                             args.block_m, args.alpha, args.damping)
        _check_fit_options(options, args.out)
        spec = load_scenario(args.scenario).spec
        records = read_records(args.data)
        period = parse_period(args.period)
        city = city_for(spec.city)
        obs = observe(records, city, list(spec.crimes), period, str(args.data), args.max_outside)
    except DataError as err:
        raise UsageError(str(err)) from None
    print(f"{obs.total} records of {period.text} ({obs.days:g} days) on {spec.name}'s "
          f"{city.rows}x{city.cols} city; {obs.outside} outside it")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with client_for(args) as client, tempfile.TemporaryDirectory(dir=args.out.parent, prefix=".calibrate-") as work:
        result = fit(args.scenario, spec, city, obs, options, Path(work), client, not args.no_progress)
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
    if o.rounds < 1:
        raise DataError("--rounds", str(o.rounds), "must be >= 1")
    if o.bandwidth_m <= 0 or o.block_m <= 0:
        raise DataError("--bandwidth-m", str(o.bandwidth_m), "must be > 0 (and --block-m > 0)")
    if not 0 < o.alpha < 1 or not 0 < o.damping <= 1:
        raise DataError("--alpha", str(o.alpha), "must be in (0, 1) (and --damping in (0, 1])")
    if out.suffix != ".toml":
        raise DataError("--out", str(out), "must end in .toml")
