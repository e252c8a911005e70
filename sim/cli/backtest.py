"""``polsim backtest``: a calibrated scenario against a held-out period of records."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from polsim.cli import UsageError
from polsim.cli.calibrate import add_run_options, check_budget, check_run_options, client_for, resolve_days
from polsim.cli.checks import check_out_folder
from polsim.cli.common import check_seed
from polsim.data.errors import DataError


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``backtest``."""
    p = subparsers.add_parser("backtest", help="compare a calibrated scenario with a held-out period",
                              description="Simulate a calibrated scenario and compare it, and a naive forecast, "
                                          "with the records of a period the fit never saw.")
    p.add_argument("scenario", help="the calibrated scenario file")
    p.add_argument("--data", type=Path, required=True, help="a table written by polsim data import")
    p.add_argument("--period", required=True, help="the held-out period, e.g. 2018-07")
    p.add_argument("--train-period", help="the training period of the naive forecast (default: the one "
                                          "recorded beside a calibrated scenario)")
    p.add_argument("--out", type=Path, required=True, help="output folder (report.html and tables)")
    p.add_argument("--first-seed", type=int, default=1001, help="seed of the first replication (default 1001)")
    from polsim.data.backtest import EXPOSURE_MULTIPLE

    add_run_options(p, 8, 2.0, f"{EXPOSURE_MULTIPLE:g} x the training period's days")
    return p


def train_period_of(args: argparse.Namespace) -> str:
    """--train-period, else the period in the calibration record beside the scenario."""
    if args.train_period:
        return args.train_period
    record = Path(f"{Path(args.scenario).with_suffix('')}_calibration.json")
    if record.exists():
        return json.loads(record.read_text(encoding="utf-8"))["period"]
    raise DataError("--train-period", "", f"required: {args.scenario} has no {record.name} beside it to take "
                    "the training period from")


def check_held_out(test, train) -> None:
    """A back-test's period must be one the fit never saw: no day of it inside the training period."""
    for start, end in test.spans:
        for t_start, t_end in train.spans:
            if start < t_end and t_start < end:
                raise DataError("--period", test.text, f"overlaps the training period {train.text}; a back-test "
                                "needs a period the fit never saw")


def run(args: argparse.Namespace) -> int:
    """Check everything, simulate, compare, write the report."""
    from polsim.cities.source import city_for
    from polsim.data.backtest import backtest
    from polsim.data.observed import observe
    from polsim.data.period import parse_period
    from polsim.data.report import write_backtest
    from polsim.data.runs import simulate
    from polsim.data.store import read_records
    from polsim.reports.city_map import CityBase
    from polsim.scenario import load_scenario

    try:
        check_run_options(args)
        check_seed(args.first_seed, "--first-seed")
        check_seed(args.first_seed + args.replications - 1, "--first-seed + --replications - 1")
        spec = load_scenario(args.scenario).spec
        records = read_records(args.data)
        test_period = parse_period(args.period)
        train_period = parse_period(train_period_of(args), "--train-period")
        city = city_for(spec.city)
        types = list(spec.crimes)
        check_held_out(test_period, train_period)
        test = observe(records, city, types, test_period, str(args.data), args.max_outside)
        train = observe(records, city, types, train_period, str(args.data), args.max_outside)
    except DataError as err:
        raise UsageError(str(err)) from None
    from polsim.data.backtest import EXPOSURE_MULTIPLE

    resolve_days(args, train.days, EXPOSURE_MULTIPLE)
    check_out_folder(args.out)
    check_budget(args, 1, "backtest")
    seeds = list(range(args.first_seed, args.first_seed + args.replications))
    with client_for(args) as client:
        runs = simulate(args.scenario, {}, seeds, args.days, args.warmup_days, client,
                        progress=not args.no_progress, desc="backtest")
    bt = backtest(test, train, runs, city.passable, city.cell_m)
    info = {"command": shlex.join(["polsim", *sys.argv[1:]]), "scenario": str(args.scenario),
            "data": str(args.data), "period": test_period.text, "train_period": train_period.text,
            "test_days": test.days, "train_days": train.days, "test_records": test.total,
            "replications": args.replications, "days": args.days, "warmup_days": args.warmup_days}
    try:
        report = write_backtest(args.out, bt, info, CityBase.of(city))
    except OSError as err:
        raise UsageError(f"--out {args.out}: cannot write the report: {err.strerror or err}") from None
    for r in bt.totals:
        print(f"{r['metric']:<32} observed {r['observed']:>8.0f}  simulated {r['sim_mean']:>9.1f} "
              f"[{r['pred_low']:.0f}, {r['pred_high']:.0f}]  naive {r['naive']:>8.1f}")
    for r in bt.spatial:
        print(f"{r['measure']:<14} {r['scale_m']:>5.0f} m  simulated {r['simulated']:.3f}  naive {r['naive']:.3f}")
    for r in bt.response:
        print(f"{r['metric']:<14} KS {r['ks_distance']:.3f}  median observed {r['observed_q50']:.1f} "
              f"simulated {r['simulated_q50']:.1f}")
    print(f"report: {report}")
    return 0
