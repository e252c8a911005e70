"""From the runs of a comparison to its results: the table, displacement and the map data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from polsim.experiments.compare import CompareSettings
from polsim.experiments.compare.tables import compare_metrics
from polsim.measures.treated_areas import AreaRule, Areas, PairedDisplacement, paired_displacement
from polsim.runs import RunResult


def by_arm(settings: CompareSettings, results: Sequence[RunResult]) -> dict[str, list[RunResult]]:
    """Results grouped per arm label, each list in seed order (index ``i`` pairs across arms)."""
    found = {(r.run.scenario, r.run.policy, r.run.seed): r for r in results}
    return {a.label: [found[(a.scenario, a.policy, s)] for s in settings.seeds] for a in settings.arms}


def analyse(settings: CompareSettings, results: Sequence[RunResult]) -> dict[str, Any]:
    """compare.json's content: settings, metrics with intervals, displacement, per-run summaries."""
    runs = by_arm(settings, results)
    base = runs[settings.baseline]
    metrics = compare_metrics({p: [r.summary for r in rs] for p, rs in runs.items()},
                              settings.baseline, settings.confidence)
    displacement = {p: displacement_of(rs, base, settings.area_rule, settings.confidence).as_dict()
                    for p, rs in runs.items() if p != settings.baseline}
    return {"settings": settings.as_dict(), "metrics": metrics, "displacement": displacement,
            "runs": {p: [r.summary for r in rs] for p, rs in runs.items()}}


def displacement_of(arm_runs: Sequence[RunResult], baseline_runs: Sequence[RunResult], rule: AreaRule,
                    confidence: float = 0.95) -> PairedDisplacement:
    """Displacement of one arm against the baseline, replication ``i`` paired with replication ``i``."""
    pairs = [run.paired_with(base) for run, base in zip(arm_runs, baseline_runs, strict=True)]
    return paired_displacement(pairs, rule, list(arm_runs[0].summary["crimes"]["by_type"]), confidence)


def consensus_areas(runs: Sequence[RunResult], rule: AreaRule) -> Areas:
    """Cells treated in at least half the replications, with their ring: what maps outline."""
    treated = np.mean([rule.treated(r.treated_share) for r in runs], axis=0) >= 0.5
    return rule.around(treated, runs[0].passable)


def map_data(settings: CompareSettings, results: Sequence[RunResult]) -> dict[str, Any]:
    """Arrays behind the figures: mean crime maps, differences, outlines, CDF samples."""
    runs = by_arm(settings, results)
    mean_map = {p: np.mean([r.crimes.sum(axis=0) for r in rs], axis=0) for p, rs in runs.items()}
    base = mean_map[settings.baseline]
    # a difference map needs the baseline's grid: arms on another city are mapped, not differenced
    others = [p for p in runs if p != settings.baseline and mean_map[p].shape == base.shape]
    outlines = {}
    for p in others:
        a = consensus_areas(runs[p], settings.area_rule)
        outlines[p] = (a.treated, a.buffer)
    return {
        "crime_maps": mean_map,
        "differences": {p: mean_map[p] - base for p in others},
        "outlines": outlines,
        "cdf": {p: (np.concatenate([r.response_times for r in rs]), sum(r.calls for r in rs))
                for p, rs in runs.items()},
    }
