"""The reported front: the search's Pareto set re-run on fresh common seeds, with 95% intervals.

The scores that steered the search are biased upwards for the points it kept (it kept them
*because* they scored well: the winner's curse), so the front is re-estimated on
``final_replications`` seeds no search run used, shared by every point and by the
scenario's shipped deployment. Each point gets a t-interval per metric; neighbours along
the front (sorted by the first objective) and the shipped deployment are compared by
paired differences on those common seeds, which are far narrower than two separate
intervals. A point is *distinguishable* from its neighbour when at least one simulated
objective's paired interval excludes zero: otherwise the planner cannot tell them apart
on these runs and may take the cheaper one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from polsim.experiments.optimise.search import Scorer, candidates, front_of
from polsim.experiments.optimise.spec import Objective, OptimiseSpec
from polsim.files import write_atomically
from polsim.measures.stats import paired_interval, t_interval

FRONT_FILE = "front.json"


def front_candidates(algorithm, scorer: Scorer) -> tuple[list[dict[str, Any]], bool]:
    """The search's final Pareto set (unique), and whether it is feasible.

    With no feasible candidate the least infeasible one is reported, marked as such.
    """
    front = front_of(algorithm)
    feasible = len(front) > 0
    if not feasible:
        pop = algorithm.pop
        front = pop[[int(np.argmin(pop.get("CV").ravel()))]]
    seen, out = set(), []
    for x in candidates(scorer.space, front):
        key = scorer.space.key(x)
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out, feasible


def final_requests(spec: OptimiseSpec, points: list[dict[str, Any]]) -> list[tuple[dict | None, int]]:
    """Every point and the shipped deployment (``None``) on the final seeds."""
    return [(x, s) for x in [*points, None] for s in spec.final_seeds()]


def metric_summary(scorer: Scorer, x: dict[str, Any] | None, metric: str, seeds: list[int]) -> dict[str, Any]:
    """Mean and 95% interval over the final seeds (exact for a deterministic quantity)."""
    det = scorer.space.deterministic(x)
    if metric in det:
        return {"mean": det[metric], "ci_low": det[metric], "ci_high": det[metric], "n": 0, "exact": True}
    return {**t_interval(scorer.evals.samples(x, metric, seeds)).as_dict(), "exact": False}


def paired(scorer: Scorer, a: dict | None, b: dict | None, metric: str, seeds: list[int]) -> dict[str, Any]:
    """``a - b`` on the common seeds (exact when deterministic)."""
    det_a, det_b = scorer.space.deterministic(a), scorer.space.deterministic(b)
    if metric in det_a:
        d = det_a[metric] - det_b[metric]
        return {"mean": d, "ci_low": d, "ci_high": d, "n": 0, "exact": True, "decisive": d != 0}
    ci = paired_interval(scorer.evals.samples(a, metric, seeds), scorer.evals.samples(b, metric, seeds))
    return {**ci.as_dict(), "exact": False, "decisive": ci.excludes_zero()}


def _scores(objectives: list[Objective], entry: dict[str, Any]) -> list[float]:
    """An entry's final means, each as the search ranks it (smaller is better)."""
    return [o.minimised(entry["metrics"][o.metric]["mean"]) for o in objectives]


def _dominates(a: list[float], b: list[float]) -> bool:
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(x < y for x, y in zip(a, b, strict=True))


def build_front(spec: OptimiseSpec, scorer: Scorer, points: list[dict[str, Any]], feasible: bool) -> dict[str, Any]:
    """The front table: each point's metrics with intervals, neighbours and shipped compared."""
    seeds = spec.final_seeds()
    objectives, constraints = scorer.objectives, scorer.constraints
    metrics = spec.metrics
    first = objectives[0]

    def entry(x: dict[str, Any] | None) -> dict[str, Any]:
        values = {m: metric_summary(scorer, x, m, seeds) for m in metrics}
        met = [c.violation(values[c.metric]["mean"]) <= 0 if values[c.metric]["mean"] is not None else False
               for c in constraints]
        plan = scorer.space.plan(x)
        return {"key": scorer.evals.key(x), "decision": x, "policy": scorer.space.policy(x),
                "describe": scorer.space.describe(x), "metrics": values, "feasible_final": all(met),
                "plan": {u: {"count": p.count, "crew": p.crew, "shift": list(p.shift),
                             "bases": [list(c) for c in p.per_base()], "per_base": list(p.per_base().values())}
                         for u, p in plan.items()}}

    rows = [entry(x) for x in points]
    order = np.argsort([first.minimised(r["metrics"][first.metric]["mean"]) for r in rows], kind="stable")
    rows = [rows[i] for i in order]
    points = [points[i] for i in order]
    scores = [_scores(objectives, r) for r in rows]
    simulated = [o.metric for o in objectives if not o.deterministic]
    for i, r in enumerate(rows):
        r["point"] = i + 1
        r["dominated_final"] = any(_dominates(scores[j], scores[i]) for j in range(len(rows)) if j != i)
        if i == 0:
            r["vs_previous"], r["distinguishable"] = None, None
            continue
        diffs = {m: paired(scorer, points[i], points[i - 1], m, seeds) for m in metrics}
        r["vs_previous"] = diffs
        r["distinguishable"] = any(diffs[m]["decisive"] for m in simulated) if simulated else True
    shipped = entry(None)
    shipped["point"] = 0
    shipped_score = _scores(objectives, shipped)
    for r, x, s in zip(rows, points, scores, strict=True):
        r["vs_shipped"] = {m: paired(scorer, x, None, m, seeds) for m in metrics}
        r["dominates_shipped"] = _dominates(s, shipped_score)
    return {"objectives": [o.label() for o in objectives], "constraints": [c.label() for c in constraints],
            "seeds": seeds, "feasible": feasible, "points": rows, "shipped": shipped}


def write_front(out: Path, front: dict[str, Any]) -> Path:
    """front.json, atomically."""
    text = json.dumps(front, indent=1, allow_nan=False, default=_plain) + "\n"
    write_atomically(Path(out) / FRONT_FILE, lambda p: p.write_text(text, encoding="utf-8"))
    return Path(out) / FRONT_FILE


def read_front(out: Path) -> dict[str, Any]:
    """What :func:`write_front` wrote (a damaged file is the one-line error)."""
    from polsim.experiments.optimise.checkpoint import check_front, read_json

    path = Path(out) / FRONT_FILE
    return check_front(path, read_json(path))


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(f"not JSON: {type(v).__name__}")
