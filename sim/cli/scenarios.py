"""``polsim scenarios``: the shipped scenarios, one line each."""

from __future__ import annotations

import argparse
import sys

from polsim.cities.errors import MissingPackageError
from polsim.cli import EXIT_BAD_INPUT
from polsim.scenario import SCENARIO_DIR, ScenarioError, ScenarioSpec, load_spec


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``scenarios``."""
    return subparsers.add_parser(
        "scenarios", help="list the shipped scenarios",
        description="List the scenarios shipped in scenarios/: name, city size, offenders, "
                    "police units by type, and the one-line description.")


def forces(spec: ScenarioSpec) -> str:
    """The police units of a scenario, e.g. ``27 units (patrol_car 10, drone 1)``."""
    counts = [(name, u.count) for name, u in spec.units.items() if u.count]
    parts = ", ".join(f"{name} {n}" for name, n in counts)
    return f"{sum(n for _, n in counts)} units ({parts})"


def line(spec: ScenarioSpec) -> str:
    """One line: name, size, offenders, forces, description."""
    c = spec.city
    km2 = c.rows * c.cols * (c.cell_m / 1000.0) ** 2
    size = f"{c.rows}x{c.cols} cells ({km2:g} km2)"
    return f"{spec.name:<20} {size:<24} {spec.offenders.count:>4} offenders  {forces(spec)}  {spec.description}"


def run(args: argparse.Namespace) -> int:
    """Print every shipped scenario; a broken one gets its one-line error (and exit code 2)."""
    status = 0
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        try:
            spec, _ = load_spec(path)
        except MissingPackageError as err:  # a preset needing an optional package is listed, not broken
            print(f"{path.stem:<20} (needs a package: {err.problem})")
            continue
        except ScenarioError as err:
            print(f"{path.stem:<20} ERROR {err}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        print(line(spec))
    return status
