"""``polsim compare``: policies (or scenarios) side by side on common random numbers."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from polsim.cli import UsageError
from polsim.cli.checks import MAX_SEED, MAX_STEPS, Bound, check_number, check_out_folder, max_workers
from polsim.cli.common import add_calls_arguments, add_scenario_arguments, load_checked, overrides_from
from polsim.experiments.compare import Arm, CompareSettings, crossed_arms
from polsim.experiments.compare.analysis import analyse, map_data
from polsim.experiments.compare.runs import run_all
from polsim.experiments.compare.write import write_tables
from polsim.measures.treated_areas import buffer_cells_of
from polsim.policies import make_policy
from polsim.scenario.schema import MAX_RADIUS_M


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``compare``."""
    p = subparsers.add_parser(
        "compare", help="compare policies on the same seeds; tables, displacement, figures, report",
        description="Run every policy on the same R seeds (common random numbers) and compare them "
                    "against the first: 95%% intervals, paired differences, the weighted displacement "
                    "quotient, figures and report.html.")
    add_scenario_arguments(p)
    add_calls_arguments(p)
    p.add_argument("--policies", default="random",
                   help="comma-separated policies, the first is the baseline (e.g. random,hotspot,beat; "
                        "default random). SCENARIO may also be a comma-separated list: every scenario "
                        "runs under every policy, the first scenario under the first policy being the "
                        "baseline; an item scenario@policy is one arm with its own policy")
    p.add_argument("--replications", type=int, default=10, help="seeds per policy (default 10)")
    p.add_argument("--seed-base", type=int, default=1, help="first seed; seeds are S..S+R-1 (default 1)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="parallel processes (default: one per CPU; 1 runs in this process)")
    p.add_argument("--buffer-m", type=float,
                   help="width of the buffer ring around treated cells, in metres (default: the "
                        "baseline scenario's policy.buffer_m, 300)")
    p.add_argument("--buffer-cells", type=float,
                   help="the buffer ring's width in cells instead (wins over --buffer-m)")
    p.add_argument("--treated-share", type=float, default=0.5,
                   help="a cell is treated if the policy treated it in at least this share of the "
                        "hourly samples, in (0, 1] (default 0.5)")
    p.add_argument("--control-gap", type=float, default=0.0,
                   help="cells left out between the buffer ring and the control area (default 0: "
                        "the control area is the rest of the city)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _names(text: str, option: str, what: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(","))
    if any(not n for n in names):
        raise UsageError(f"{option}: empty name in {text!r}; give {what} separated by commas")
    if len(set(names)) != len(names):
        raise UsageError(f"{option}: a {what.removesuffix('s')} is listed twice in {text!r}")
    return names


def arms_from(args: argparse.Namespace) -> list[Arm]:
    """The arms: SCENARIO items crossed with --policies, or ``scenario@policy`` items as given."""
    items = _names(str(args.scenario), "SCENARIO", "scenarios")
    policies = _names(args.policies, "--policies", "policies")
    crossed = crossed_arms([i for i in items if "@" not in i], policies)
    arms: list[Arm] = []
    for item in items:
        if "@" in item:
            scenario, _, policy = item.partition("@")
            if not scenario or not policy:
                raise UsageError(f"SCENARIO: {item!r} must be scenario@policy")
            arms.append(Arm(item, scenario, policy))
        else:
            arms += [a for a in crossed if a.scenario == item]
    for arm in arms:
        try:
            make_policy(arm.policy)
        except ValueError as err:
            raise UsageError(f"--policies: {err}") from None
    return arms


MAX_REPLICATIONS = 1000
"""The most replications a comparison may run: every run's maps are kept in memory for the figures."""
MAX_CELLS = 1000.0
"""The widest buffer ring or control gap, in cells (100 km at the usual 100 m cells)."""


def check_numbers(args: argparse.Namespace) -> None:
    """Every numeric option in its bounds (finite: ``inf`` and ``nan`` are refused here, before any run)."""
    check_number("--replications", args.replications, Bound(1, MAX_REPLICATIONS))
    check_number("--seed-base", args.seed_base, Bound(0, MAX_SEED - args.replications))
    check_number("--workers", args.workers, Bound(1, max_workers()))
    check_number("--buffer-cells", args.buffer_cells, Bound(0, MAX_CELLS))
    check_number("--buffer-m", args.buffer_m, Bound(0, MAX_RADIUS_M, open_low=True))
    check_number("--treated-share", args.treated_share, Bound(0, 1, open_low=True))
    check_number("--control-gap", args.control_gap, Bound(0, MAX_CELLS))
    check_number("--steps", args.steps, Bound(1, MAX_STEPS))


def settings_from(args: argparse.Namespace) -> CompareSettings:
    """Check every argument, each scenario and each policy before anything runs."""
    check_numbers(args)
    check_out_folder(args.out)
    arms = arms_from(args)
    loaded = [load_checked(argparse.Namespace(**{**vars(args), "scenario": scenario}), seed=args.seed_base)
              for scenario in dict.fromkeys(a.scenario for a in arms)]  # every scenario and override
    spec = loaded[0].spec
    cell_m = spec.city.cell_m
    buffer_m = spec.policy.buffer_m if args.buffer_m is None else args.buffer_m
    buffer = buffer_cells_of(buffer_m, cell_m) if args.buffer_cells is None else args.buffer_cells
    try:
        return CompareSettings(arms=tuple(arms), replications=args.replications, seed_base=args.seed_base,
                               overrides=overrides_from(args), backend=args.backend,
                               steps=args.steps, buffer_cells=buffer, cell_m=cell_m,
                               treated_share=args.treated_share, control_gap=args.control_gap)
    except ValueError as err:
        raise UsageError(f"SCENARIO/--policies: {err}") from None


def baseline_city(args: argparse.Namespace, settings: CompareSettings):
    """What the report's maps are drawn over: the city of the baseline arm's scenario."""
    from polsim.cities.source import city_for
    from polsim.reports.city_map import CityBase

    baseline = settings.arms[0].scenario
    loaded = load_checked(argparse.Namespace(**{**vars(args), "scenario": baseline}), seed=settings.seed_base)
    return CityBase.of(city_for(loaded.spec.city))


def run(args: argparse.Namespace) -> int:
    """Validate, run every policy on every seed, write tables, figures and report.html."""
    from polsim.experiments.compare.report import write_report  # matplotlib only once the input is known good

    settings = settings_from(args)
    started = time.perf_counter()
    runs = settings.runs()
    results = run_all(runs, workers=min(args.workers, len(runs)), progress=not args.no_progress)
    result = analyse(settings, results)
    write_tables(args.out, result)
    report = write_report(args.out, result, map_data(settings, results), baseline_city(args, settings))
    for arm, d in result["displacement"].items():
        print(f"{arm}: {d['verdict']} ({d['reason']})")
    print(f"{len(results)} runs in {time.perf_counter() - started:.1f} s; report: {report}")
    return 0
