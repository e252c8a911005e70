"""``polsim optimise``: search deployments for the Pareto front (Dask, resumable); export a point.

polsim optimise SPEC.toml --out DIR [--workers N] [--scheduler ADDR] [--resume]
polsim optimise export DIR --point N --out FILE.toml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from polsim.cli import UsageError
from polsim.cli.checks import (
    Bound,
    check_number,
    check_out_file,
    check_out_folder,
    check_scheduler_option,
    max_workers,
)

EXPORT = "export"


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``optimise``."""
    from polsim.experiments.sweep.estimate import MAX_HOURS

    p = subparsers.add_parser(
        "optimise", help="find the Pareto front of deployments (noise-aware NSGA-II on Dask); export a point",
        description="Search unit counts, bases, shifts and policies for the best trade-offs between the "
                    "spec's objectives (see docs/optimise.md). 'polsim optimise export DIR --point N --out "
                    "FILE' writes point N of a finished study as a scenario file.")
    p.add_argument("spec", help="optimisation spec (TOML), or the word 'export'")
    p.add_argument("folder", nargs="?", type=Path, help="with export: the study folder")
    p.add_argument("--out", type=Path, required=True, help="study folder (or, with export, the scenario file)")
    p.add_argument("--point", type=int, help="with export: the point's number in front.json / report.html")
    p.add_argument("--workers", type=int, help="local worker processes (default: the cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--resume", action="store_true", help="continue the study in --out where it stopped")
    p.add_argument("--max-hours", type=float, default=MAX_HOURS,
                   help=f"refuse a study estimated at more worker-hours than this (default {MAX_HOURS:g})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def run(args: argparse.Namespace) -> int:
    """Export a point, or validate the spec and run (or resume) the study."""
    if args.spec == EXPORT:
        return _export(args)
    if args.folder is not None or args.point is not None:
        raise UsageError("a folder and --point go with 'polsim optimise export DIR --point N --out FILE'")
    try:
        from polsim.experiments.optimise.checks import load_optimise
        from polsim.experiments.optimise.evaluate import dask_evaluator
        from polsim.experiments.optimise.study import (
            STUDY_FILE,
            check_resumable,
            describe_study,
            finished_front,
            read_study,
            run_study,
            same_study,
        )
    except ImportError as err:
        raise UsageError(f"polsim optimise needs pymoo and Dask ({err}); pip install 'polsim[optimise]'") from None
    check_number("--workers", args.workers, Bound(1, max_workers()))
    check_number("--max-hours", args.max_hours, Bound(0, 1e9, open_low=True))
    if args.workers is not None and args.scheduler:
        raise UsageError("--workers starts a local cluster; with --scheduler the cluster has its own workers")
    check_scheduler_option(args.scheduler)
    spec = load_optimise(args.spec)
    existing = args.out / STUDY_FILE
    if args.resume:
        from polsim.experiments.optimise.space import Space

        if not existing.exists():
            raise UsageError(f"--resume: {args.out} holds no study ({STUDY_FILE} missing)")
        if not same_study(read_study(args.out), describe_study(spec, Space(spec))):
            raise UsageError(f"--resume: {args.spec} no longer matches the study in {args.out} "
                             "(the spec changed); use another --out")
        if finished_front(args.out) is not None:
            return _finished(spec, args.out)
        check_resumable(args.out)
    else:
        check_out_folder(args.out)
        if args.out.exists() and any(args.out.iterdir()):
            raise UsageError(f"{args.out} is not empty; add --resume to continue a study there, or use another "
                             "--out")
    _check_budget(spec, args.max_hours)
    with dask_evaluator(spec.scenario, spec.backend, spec.steps, spec.base_overrides(),
                        args.workers, args.scheduler) as evaluator:
        result = run_study(spec, args.out, evaluator, resume=args.resume, progress=not args.no_progress)
    front = result.front
    done = f"{result.runs_now} runs" + (f" now, {result.runs_before} before" if result.runs_before else "")
    infeasible = "" if front["feasible"] else " (none feasible: the least infeasible shown)"
    print(f"optimise {spec.name or Path(args.spec).stem}: {result.generations} generations, {done} "
          f"({result.search_seconds:.0f} s search, {result.final_seconds:.0f} s final runs); "
          f"{len(front['points'])} Pareto points{infeasible}")
    for p in front["points"]:
        print(f"  {p['point']:>2}. {p['describe']}")
    print(f"scenario files: {args.out}/points/; tables and figures: polsim report {args.out}")
    return 0


def _check_budget(spec, max_hours: float) -> None:
    """The study's most runs, worker-hours and memory, refused above the limits, said before it starts."""
    from polsim.experiments.optimise.budget import check_study, estimate_study
    from polsim.scenario.budget import limit_bytes

    est = estimate_study(spec)
    try:
        check_study(est, spec.file, max_hours=max_hours, memory_bytes=limit_bytes()[0])
    except ValueError as err:
        raise UsageError(str(err)) from None
    print(f"optimise {spec.name or Path(spec.file).stem}: {est.describe()}", file=sys.stderr)


def _finished(spec, out: Path) -> int:
    """A finished study resumed: nothing runs; point files it lacks are written; its front is shown."""
    from polsim.experiments.optimise.study import finish_points, finished_front

    finish_points(out, spec)
    front = finished_front(out)
    print(f"optimise {spec.name or Path(spec.file).stem}: finished before (front.json); nothing to run; "
          f"{len(front['points'])} Pareto points")
    for p in front["points"]:
        print(f"  {p['point']:>2}. {p['describe']}")
    print(f"scenario files: {out}/points/; tables and figures: polsim report {out}")
    return 0


def _export(args: argparse.Namespace) -> int:
    """Write point N of a finished study as a scenario file."""
    from polsim.experiments.optimise.final import FRONT_FILE, read_front
    from polsim.experiments.optimise.study import export_point, read_study

    if args.folder is None or args.point is None:
        raise UsageError("usage: polsim optimise export DIR --point N --out FILE.toml")
    if not (args.folder / FRONT_FILE).exists():
        raise UsageError(f"{args.folder}: no finished study ({FRONT_FILE} missing); run polsim optimise first")
    read_study(args.folder)  # a damaged study is its one-line error, before the output is looked at
    numbers = [p["point"] for p in read_front(args.folder)["points"]]
    if args.point not in numbers:
        raise UsageError(f"--point: the front of {args.folder} has points {', '.join(map(str, numbers))}; "
                         f"got {args.point}")
    if args.out.suffix != ".toml":
        raise UsageError(f"--out: a scenario file ends in .toml, got {args.out}")
    if args.out.parent.is_dir():
        check_out_file(args.out)
    else:  # made for it
        check_out_folder(args.out.parent)
        args.out.parent.mkdir(parents=True, exist_ok=True)
    export_point(args.folder, args.point, args.out)
    print(f"point {args.point}: {args.out} (polsim run {args.out}: its policy is written in)")
    return 0
