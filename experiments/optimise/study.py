"""A whole study in a folder: the search, the final re-run, the front and its scenario files.

What ``polsim optimise`` writes into ``--out``:

| file | what |
|---|---|
| ``optimise.json`` | the spec (plain values), the decision variables and candidate bases, the seeds |
| ``parts/<candidate>-s<seed>.parquet`` | one row per finished run (the cache: nothing is run twice) |
| ``state.json`` | the checkpoint: the generations done and their history (resume replays them) |
| ``front.json`` | the Pareto points with 95% intervals, neighbour and shipped comparisons |
| ``points/point_NN.toml`` | each point as a scenario file |
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from polsim.experiments.optimise import export, final
from polsim.experiments.optimise.checkpoint import damaged, load_checkpoint, read_json
from polsim.experiments.optimise.evaluate import Evaluator
from polsim.experiments.optimise.evaluations import Evaluations
from polsim.experiments.optimise.search import Scorer, run_search, simulated_metrics
from polsim.experiments.optimise.space import Space
from polsim.experiments.optimise.spec import OptimiseSpec
from polsim.files import write_atomically

STUDY_FILE = "optimise.json"
POINTS = "points"


@dataclass(frozen=True)
class StudyResult:
    """What a study call did: runs done now and before, generations, the front, wall time."""

    runs_now: int
    runs_before: int
    generations: int
    front: dict[str, Any]
    search_seconds: float
    final_seconds: float


def describe_study(spec: OptimiseSpec, space: Space) -> dict[str, Any]:
    """What optimise.json holds: the spec, the variables, the candidate bases, the seeds."""
    variables = {name: {"type": type(var).__name__,
                        **({"bounds": [v.item() if hasattr(v, "item") else v for v in var.bounds]}
                           if getattr(var, "bounds", None) is not None else {}),
                        **({"options": list(var.options)} if hasattr(var, "options") else {})}
                 for name, var in space.vars.items()}
    return {"spec": spec.as_dict(), "spec_file": spec.file, "variables": variables,
            "constants": space.constants, "candidates": {u: [list(c) for c in cells]
                                                          for u, cells in space.candidates.items()},
            "final_seeds": spec.final_seeds()}


def write_study(out: Path, description: dict[str, Any]) -> None:
    """optimise.json, atomically."""
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(description, indent=1, allow_nan=False) + "\n"
    write_atomically(out / STUDY_FILE, lambda p: p.write_text(text, encoding="utf-8"))


def read_study(out: Path) -> dict[str, Any]:
    """What :func:`write_study` wrote (a damaged file is the one-line error)."""
    path = Path(out) / STUDY_FILE
    study = read_json(path)
    if not (isinstance(study, dict) and isinstance(study.get("spec"), dict) and isinstance(study.get("spec_file"), str)
            and isinstance(study.get("candidates"), dict)):
        raise damaged(path, "not a study description written by polsim optimise")
    return study


def check_resumable(out: Path) -> None:
    """Read the checkpoint and every kept run once, so that a damaged folder is refused before a cluster starts."""
    from polsim.experiments.optimise.evaluations import read_kept

    load_checkpoint(out)
    read_kept(out)


def finished_front(out: Path) -> dict[str, Any] | None:
    """The front of a finished study in ``out`` (``None`` while it is not finished)."""
    if not (Path(out) / final.FRONT_FILE).exists():
        return None
    return final.read_front(out)


def finish_points(out: Path, spec: OptimiseSpec) -> list[Path]:
    """Write the point files a finished study lacks (its front is complete: nothing runs)."""
    front = final.read_front(out)
    missing = [p for p in front["points"] if not point_path(out, p["point"]).exists()]
    if missing:
        write_points(out, Space(spec), {**front, "points": missing})
    return [point_path(out, p["point"]) for p in front["points"]]


def export_point(folder: Path, point: int, target: Path) -> Path:
    """Point ``point`` of the study in ``folder`` as a scenario file at ``target`` that runs from anywhere."""
    from polsim.experiments.optimise.spec import spec_from_dict

    study, front = read_study(folder), final.read_front(folder)
    spec = spec_from_dict(study["spec"], study["spec_file"])
    (entry,) = [p for p in front["points"] if p["point"] == point]
    name = front.get("name") or spec.name or Path(spec.file).stem
    return export.write_point(Space(spec), entry["decision"], Path(target),
                              export.header_lines(name, entry, str(target)), entry["policy"])


def same_study(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two descriptions are of the same study (where the spec was read from aside)."""
    def strip(d: dict[str, Any]) -> dict[str, Any]:
        return json.loads(json.dumps({k: v for k, v in d.items() if k != "spec_file"}))

    return strip(a) == strip(b)


def run_study(spec: OptimiseSpec, out: Path | None, evaluator: Evaluator, resume: bool = False,
              progress: bool = True) -> StudyResult:
    """Search, re-run the front on fresh seeds, write front.json and the points' scenario files."""
    space = Space(spec)
    if out is not None and not resume:
        write_study(out, describe_study(spec, space))
    evals = Evaluations(space, evaluator, simulated_metrics(spec), out)
    scorer = Scorer(spec, space, evals)
    before = evals.read_back
    recorded = load_checkpoint(out) if (resume and out is not None) else []
    bar = tqdm(total=spec.generations + 1, unit="gen", desc="optimise", disable=not progress, dynamic_ncols=True)
    front_size = [0]

    def on_run(n: int) -> None:
        bar.set_postfix(runs=sum(len(v) for v in evals.values.values()), front=front_size[0], refresh=True)

    def on_generation(_state, row: dict[str, Any]) -> None:
        front_size[0] = row["front_size"]
        bar.set_postfix(runs=row["runs"], front=row["front_size"], refresh=False)
        bar.update()

    started = time.perf_counter()
    try:
        state = run_search(spec, space, scorer, out, recorded, on_generation, on_run)
        searched = time.perf_counter()
        points, feasible = final.front_candidates(state.algorithm, scorer)
        bar.set_description("final runs")
        evals.ensure(final.final_requests(spec, points), "final", on_run)
        front = final.build_front(spec, scorer, points, feasible)
        front["history"] = list(state.history)
        bar.update()
    finally:
        bar.close()
    if out is not None:
        final.write_front(out, front)
        write_points(out, space, front)
    return StudyResult(evals.ran, before, len(state.history), front, searched - started,
                       time.perf_counter() - searched)


def point_path(out: Path, point: int) -> Path:
    """Where point ``point``'s scenario file is written."""
    return Path(out) / POINTS / f"point_{point:02d}.toml"


def write_points(out: Path, space: Space, front: dict[str, Any]) -> list[Path]:
    """Every point's scenario file under ``points/``."""
    name = front.get("name") or space.spec.name or Path(space.spec.file).stem
    paths = []
    for point in front["points"]:
        path = point_path(out, point["point"])
        paths.append(export.write_point(space, point["decision"], path,
                                        export.header_lines(name, point, str(path)), point["policy"]))
    return paths
