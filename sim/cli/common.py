"""Arguments and checks shared by subcommands: scenario, policy, seed, backend, --set, --out."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from polsim.cli import UsageError
from polsim.policies import make_policy
from polsim.scenario import PolicingScenario, budget, load_scenario, parse_override


def add_scenario_arguments(parser: argparse.ArgumentParser) -> None:
    """SCENARIO, --set, --days/--steps, --backend, --dispatch, --max-memory."""
    parser.add_argument("scenario", help="scenario file, or the name of a shipped scenario")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override any scenario field, e.g. offenders.count=500 (repeatable)")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--days", type=float, help="simulated days (overrides time.days)")
    length.add_argument("--steps", type=int, help="number of steps to run")
    parser.add_argument("--backend", choices=("numba", "mesa"), default="numba",
                        help="numba (compiled loops, default) or mesa (an agent per row)")
    parser.add_argument("--dispatch", choices=("avl", "zone"),
                        help="dispatch rule: shorthand for --set dispatch.rule=RULE (default: the scenario's)")
    add_memory_argument(parser)


def add_calls_arguments(parser: argparse.ArgumentParser) -> None:
    """--calls TABLE --period P [--draw-times] [--keep-crime]: replay recorded calls (docs/replay.md)."""
    parser.add_argument("--calls", metavar="TABLE", help="replay these recorded calls (a table of polsim data "
                        "import --scenario) instead of simulating crime; sets calls.source")
    parser.add_argument("--period", metavar="P", help="the records replayed: YYYY-MM, YYYY-MM..YYYY-MM or "
                        "YYYY-MM-DD..YYYY-MM-DD; sets calls.period (the run's length)")
    parser.add_argument("--draw-times", action="store_true", help="months-only records: draw each call's "
                        "minute from the scenario's hourly profile (every output says so)")
    parser.add_argument("--keep-crime", action="store_true", help="keep simulated crime of the types the "
                        "record lacks (default: the record is the whole demand)")


CALL_OPTIONS = (("calls", "calls.source", "--calls"), ("period", "calls.period", "--period"),
                ("draw_times", "calls.draw_times", "--draw-times"), ("keep_crime", "calls.keep_crime", "--keep-crime"))
"""Replay options: the argument, the scenario field it sets, the option as typed."""


def _call_overrides(args: argparse.Namespace) -> dict[str, tuple[Any, str]]:
    """The replay options given, as field -> (value, what the user typed)."""
    out = {}
    for attr, key, option in CALL_OPTIONS:
        value = getattr(args, attr, None)
        if value in (None, False):
            continue
        if attr == "calls":
            value = str(Path(value).resolve())  # typed on the command line: relative to here
        out[key] = (value, option if isinstance(value, bool) else f"{option} {getattr(args, attr)}")
    return out


def add_memory_argument(parser: argparse.ArgumentParser) -> None:
    """--max-memory GIB: the memory a model may take (default: what this machine has free)."""
    parser.add_argument("--max-memory", type=_gib, metavar="GIB",
                        help="memory a model may take, in GiB (default: the memory available now); a "
                             "scenario whose estimate exceeds it is refused before anything is built")


def _gib(text: str) -> float:
    try:
        return budget.parse_gib(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("--max-memory ")) from None


def apply_memory_limit(args: argparse.Namespace) -> None:
    """Make ``--max-memory`` the limit of every model built from here on, in this process and the
    worker processes it starts (they inherit the environment).
    """
    if getattr(args, "max_memory", None) is not None:
        os.environ[budget.LIMIT_ENV] = repr(args.max_memory)


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    """The --set pairs (and --days, --dispatch) as a dict of dotted fields."""
    out = dict(parse_override(item) for item in args.overrides)
    if getattr(args, "dispatch", None) is not None:
        out["dispatch.rule"] = args.dispatch
    if getattr(args, "days", None) is not None:
        if args.days <= 0:
            raise UsageError(f"--days must be > 0, got {args.days}")
        out["time.days"] = args.days
    out.update({key: value for key, (value, _) in _call_overrides(args).items()})
    if getattr(args, "steps", None) is not None and args.steps <= 0:
        raise UsageError(f"--steps must be > 0, got {args.steps}")
    return out


def origins_from(args: argparse.Namespace) -> dict[str, str]:
    """What the user typed for each override (``--set key=value``, ``--days D``), for errors."""
    out = {parse_override(item)[0]: f"--set {item}" for item in args.overrides}
    if getattr(args, "dispatch", None) is not None:
        out["dispatch.rule"] = f"--dispatch {args.dispatch}"
    if getattr(args, "days", None) is not None:
        out["time.days"] = f"--days {args.days:g}"
    out.update({key: typed for key, (_, typed) in _call_overrides(args).items()})
    return out


def check_seed(seed: int, option: str) -> None:
    """A run seed feeds ``numpy.random.SeedSequence``, which takes integers >= 0 only (and a
    seed wider than 64 bits is refused, like a scenario's ``city.seed``).
    """
    if not 0 <= seed < 2**63:
        raise UsageError(f"{option} must be in 0..2**63-1, got {seed}" if seed >= 0 else
                         f"{option} must be >= 0, got {seed}")


def check_steps(args: argparse.Namespace) -> None:
    """--steps is bounded like a scenario's length."""
    from polsim.scenario.schema import MAX_STEPS

    steps = getattr(args, "steps", None)
    if steps is not None and steps > MAX_STEPS:
        raise UsageError(f"--steps must be <= {MAX_STEPS:,}, got {steps}")


def load_checked(args: argparse.Namespace, seed: int | None = None) -> PolicingScenario:
    """Load and validate the scenario, and check the policy name, before anything runs."""
    apply_memory_limit(args)
    check_steps(args)
    scenario = load_scenario(args.scenario, overrides_from(args), seed=seed, origins=origins_from(args))
    if scenario.spec.calls.source:
        from polsim.replay.feed import replay_scenario

        replay_scenario(scenario)  # the records read and checked now, before any run or output
    given = getattr(args, "policy", None)
    if given is None:
        from polsim.model import scenario_policy

        scenario_policy(scenario.spec, scenario.source)  # its own policy.name, refused as the scenario's error
        return scenario
    try:
        make_policy(str(given))
    except ValueError as err:
        raise UsageError(f"--policy: {err}") from None
    return scenario


def out_path(text: str) -> Path:
    """An ``--out`` value (argparse ``type``): a path, not empty (``Path("")`` would be ``.``)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty; give a folder")
    return Path(text)


SPECIAL_ROOTS = ("/proc", "/sys", "/dev")
"""Kernel file systems: nothing polsim writes belongs there."""


def check_out_dir(out: Path, option: str = "--out") -> None:
    """Refuse an output folder that cannot be made or written, before anything runs.

    An existing folder is fine (its files are replaced); an existing file, a path under a file,
    one in ``/proc``, ``/sys`` or ``/dev`` (``/dev/null`` included), or a folder this user cannot
    write into is the one-line error. The nearest existing folder gets a test folder made and
    removed again, so that what the kernel refuses is found now rather than after the run.
    """
    path = Path(os.path.abspath(out))
    if any(path == Path(root) or Path(root) in path.parents for root in SPECIAL_ROOTS):
        raise UsageError(f"{option} {out}: under {path.parts[1] and '/' + path.parts[1]}, a system folder; "
                         "give a folder of your own")
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {out}: exists and is not a folder")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"{option} {out}: {existing} is a file, not a folder")
    try:
        tempfile.TemporaryDirectory(dir=existing, prefix=".polsim-check-").cleanup()
    except OSError as err:
        raise UsageError(f"{option} {out}: cannot write in {existing}: {err.strerror or err}") from None
