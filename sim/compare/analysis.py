"""From the runs of a comparison to its results: the table, displacement and the map data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.compare import CompareSettings
from sim.compare.areas import consensus_areas, displacement_of
from sim.compare.runs import RunResult
from sim.compare.tables import compare_metrics


def by_policy(settings: CompareSettings, results: Sequence[RunResult]) -> dict[str, list[RunResult]]:
    """Results grouped per policy, each list in seed order (so index ``i`` pairs across policies)."""
    found = {(r.job.policy, r.job.seed): r for r in results}
    return {p: [found[(p, s)] for s in settings.seeds] for p in settings.policies}


def analyse(settings: CompareSettings, results: Sequence[RunResult]) -> dict[str, Any]:
    """compare.json's content: settings, metrics with intervals, displacement, per-run summaries."""
    runs = by_policy(settings, results)
    base = runs[settings.baseline]
    metrics = compare_metrics({p: [r.summary for r in rs] for p, rs in runs.items()},
                              settings.baseline, settings.confidence)
    displacement = {p: displacement_of(rs, base, settings.area_rule, settings.confidence)
                    for p, rs in runs.items() if p != settings.baseline}
    return {"settings": settings.as_dict(), "metrics": metrics, "displacement": displacement,
            "runs": {p: [r.summary for r in rs] for p, rs in runs.items()}}


def map_data(settings: CompareSettings, results: Sequence[RunResult]) -> dict[str, Any]:
    """Arrays behind the figures: mean crime maps, differences, outlines, CDF samples."""
    runs = by_policy(settings, results)
    mean_map = {p: np.mean([r.crimes.sum(axis=0) for r in rs], axis=0) for p, rs in runs.items()}
    base = mean_map[settings.baseline]
    others = [p for p in settings.policies if p != settings.baseline]
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
