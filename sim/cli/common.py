"""Arguments and checks shared by subcommands: scenario, policy, seed, backend, --set."""

from __future__ import annotations

import argparse
from typing import Any

from polsim.cli import UsageError
from polsim.policies import make_policy
from polsim.scenario import PolicingScenario, load_scenario, parse_override


def add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    """SCENARIO, --set, --days/--steps, --backend."""
    parser.add_argument("scenario", help="scenario file, or the name of a shipped scenario")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override any scenario field, e.g. offenders.count=500 (repeatable)")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--days", type=float, help="simulated days (overrides time.days)")
    length.add_argument("--steps", type=int, help="number of steps to run")
    parser.add_argument("--backend", choices=("numba", "mesa"), default="numba",
                        help="numba (compiled loops, default) or mesa (an agent per row)")
    parser.add_argument("--dispatch", choices=("avl", "zone"),
                        help="dispatch rule (default: the scenario's)")


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    """The --set pairs (and --days) as a dict of dotted fields."""
    out = dict(parse_override(item) for item in args.overrides)
    if getattr(args, "days", None) is not None:
        if args.days <= 0:
            raise UsageError(f"--days must be > 0, got {args.days}")
        out["time.days"] = args.days
    if getattr(args, "steps", None) is not None and args.steps <= 0:
        raise UsageError(f"--steps must be > 0, got {args.steps}")
    return out


def origins_from(args: argparse.Namespace) -> dict[str, str]:
    """What the user typed for each override (``--set key=value``, ``--days D``), for errors."""
    out = {parse_override(item)[0]: f"--set {item}" for item in args.overrides}
    if getattr(args, "days", None) is not None:
        out["time.days"] = f"--days {args.days:g}"
    return out


def check_seed(seed: int, option: str) -> None:
    """A run seed feeds ``numpy.random.SeedSequence``, which takes integers >= 0 only."""
    if seed < 0:
        raise UsageError(f"{option} must be >= 0, got {seed}")


def load_checked(args: argparse.Namespace, seed: int | None = None) -> PolicingScenario:
    """Load and validate the scenario, and check the policy name, before anything runs."""
    scenario = load_scenario(args.scenario, overrides_from(args), seed=seed, origins=origins_from(args))
    for name in str(getattr(args, "policy", "random")).split(","):
        try:
            make_policy(name.strip())
        except ValueError as err:
            raise UsageError(f"--policy: {err}") from None
    return scenario
