"""The comparison table: each metric's mean over replications, its 95% interval, and the
paired difference to the baseline arm on the same seeds.

Metrics are named as in ``summary.json`` (:mod:`polsim.measures.vocabulary`): ``response_time_min.mean``,
``crimes.by_type.robbery``, ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from polsim.measures.stats import paired_difference
from polsim.measures.vocabulary import compared, interval_of, label


def compare_metrics(summaries: Mapping[str, Sequence[Mapping[str, Any]]], baseline: str,
                    confidence: float = 0.95) -> dict[str, dict[str, dict[str, Any]]]:
    """Per arm and metric: mean, interval, and paired difference to ``baseline``.

    ``summaries[arm][i]`` is the summary of replication ``i``; replication ``i`` of every
    arm ran on the same seed, which is what makes the differences paired.
    """
    values = {p: [compared(s) for s in runs] for p, runs in summaries.items()}
    base = values[baseline]
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for arm, runs in values.items():
        rows = {}
        for metric in runs[0]:
            xs = [r[metric] for r in runs]
            diff = None if arm == baseline else paired_difference(xs, [b.get(metric) for b in base], confidence)
            rows[metric] = {**interval_of(metric, xs, confidence).as_dict(), "diff": diff}
        table[arm] = rows
    return table


CSV_COLUMNS = ("policy", "metric", "label", "mean", "ci_low", "ci_high", "n",
               "diff_mean", "diff_ci_low", "diff_ci_high", "diff_n", "diff_pct")
"""Columns of compare.csv: one row per arm and metric (``policy`` holds the arm's label)."""


def csv_rows(table: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The table as compare.csv rows (empty difference columns for the baseline)."""
    rows = []
    for arm, metrics in table.items():
        for metric, v in metrics.items():
            d = v.get("diff") or {}
            rows.append({"policy": arm, "metric": metric, "label": label(metric),
                         "mean": v["mean"], "ci_low": v["ci_low"], "ci_high": v["ci_high"],
                         "n": v["n"], "diff_mean": d.get("mean"), "diff_ci_low": d.get("ci_low"),
                         "diff_ci_high": d.get("ci_high"), "diff_n": d.get("n"),
                         "diff_pct": d.get("pct")})
    return rows
