"""``polsim validate FILE``: check a scenario file completely without running it."""

from __future__ import annotations

import argparse
import sys

from polsim.cli.common import add_memory_argument, apply_memory_limit, origins_from
from polsim.cli.scenarios import forces
from polsim.scenario import budget, load_spec, parse_override
from polsim.scenario.advice import warnings


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``validate``."""
    p = subparsers.add_parser(
        "validate", help="check a scenario file: OK, or the one-line error (exit 2)",
        description="Validate a scenario file (or shipped scenario name) exactly as a run would, "
                    "including the checks that need the generated city and the memory it would "
                    "take. Prints OK with the estimate, or one line naming the file, the field and "
                    "what is allowed, and exits 2.")
    p.add_argument("file", help="scenario file, or the name of a shipped scenario")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a field before validating (repeatable)")
    add_memory_argument(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Load and validate, then price it; errors propagate as ScenarioError (one line, exit 2)."""
    apply_memory_limit(args)
    overrides = dict(parse_override(item) for item in args.overrides)
    spec, source = load_spec(args.file, overrides, origins_from(args))
    from polsim.model import scenario_policy

    scenario_policy(spec, source)  # the scenario's own policy.name must be a shipped policy
    guess = budget.check(spec, source)
    for line in warnings(spec):
        print(f"polsim: warning: {source}: {line}", file=sys.stderr)
    print(f"OK {source}: {spec.name}, {spec.city.rows}x{spec.city.cols} cells, "
          f"{spec.offenders.count} offenders, {forces(spec)}; {guess.describe()}")
    return 0
