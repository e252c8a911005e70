"""The comparison table: each metric's mean over replications, its 95% interval, and the
paired difference to the baseline policy on the same seeds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from polsim.stats import paired_interval, t_interval

METRIC_LABELS = {
    "response_mean": "response time, mean (min)",
    "response_median": "response time, median (min)",
    "response_p90": "response time, 90th percentile (min)",
    "within_1": "calls reached within 1 min (share)",
    "within_3": "calls reached within 3 min (share)",
    "within_5": "calls reached within 5 min (share)",
    "calls": "calls",
    "crimes_total": "crimes, all types",
    "arrests": "arrests",
    "capture_mean": "time to capture, mean (min after the crime)",
    "utilisation": "unit utilisation (share of duty time busy)",
    "visibility": "police visibility (share of footfall in sight)",
    "disputes_escalated": "disputes escalated",
}
"""Human names of the fixed metrics; ``crimes_<type>`` rows are added per crime type."""


def metric_values(summary: Mapping[str, Any]) -> dict[str, float | None]:
    """The compared metrics of one run, read from its ``summary.json`` content."""
    rt = summary["response_time_min"]
    out: dict[str, float | None] = {
        "response_mean": rt["mean"], "response_median": rt["median"], "response_p90": rt["p90"],
        "within_1": rt["within_1"], "within_3": rt["within_3"], "within_5": rt["within_5"],
        "calls": rt["calls"], "crimes_total": summary["crimes"]["total"],
    }
    out.update({f"crimes_{k}": v for k, v in summary["crimes"]["by_type"].items()})
    out.update(arrests=summary["arrests"], capture_mean=summary["time_to_capture_min"]["mean"],
               utilisation=summary["utilisation"], visibility=summary["visibility"],
               disputes_escalated=summary["disputes_escalated"])
    return out


def metric_label(metric: str) -> str:
    """The human name of a metric."""
    if metric.startswith("crimes_") and metric not in METRIC_LABELS:
        return f"crimes, {metric.removeprefix('crimes_').replace('_', ' ')}"
    return METRIC_LABELS.get(metric, metric)


def compare_metrics(summaries: Mapping[str, Sequence[Mapping[str, Any]]], baseline: str,
                    confidence: float = 0.95) -> dict[str, dict[str, dict[str, Any]]]:
    """Per policy and metric: mean, interval, and paired difference to ``baseline``.

    ``summaries[policy][i]`` is the summary of replication ``i``; replication ``i`` of every
    policy ran on the same seed, which is what makes the differences paired.
    """
    values = {p: [metric_values(s) for s in runs] for p, runs in summaries.items()}
    base = values[baseline]
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for policy, runs in values.items():
        rows = {}
        for metric in runs[0]:
            xs = [r[metric] for r in runs]
            row = t_interval(xs, confidence).as_dict()
            diff = None
            if policy != baseline:
                ys = [b.get(metric) for b in base]
                diff = paired_interval(xs, ys, confidence).as_dict()
                diff["pct"] = _percent_change(row["mean"], t_interval(ys).mean)
            rows[metric] = {**row, "diff": diff}
        table[policy] = rows
    return table


def _percent_change(mean: float | None, baseline_mean: float | None) -> float | None:
    # the ratio of means, as the source reports quote changes (e.g. calls -14.61%)
    if mean is None or not baseline_mean:
        return None
    return 100.0 * (mean / baseline_mean - 1.0)


CSV_COLUMNS = ("policy", "metric", "label", "mean", "ci_low", "ci_high", "n",
               "diff_mean", "diff_ci_low", "diff_ci_high", "diff_n", "diff_pct")
"""Columns of compare.csv: one row per policy and metric."""


def csv_rows(table: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The table as compare.csv rows (empty difference columns for the baseline)."""
    rows = []
    for policy, metrics in table.items():
        for metric, v in metrics.items():
            d = v.get("diff") or {}
            rows.append({"policy": policy, "metric": metric, "label": metric_label(metric),
                         "mean": v["mean"], "ci_low": v["ci_low"], "ci_high": v["ci_high"],
                         "n": v["n"], "diff_mean": d.get("mean"), "diff_ci_low": d.get("ci_low"),
                         "diff_ci_high": d.get("ci_high"), "diff_n": d.get("n"),
                         "diff_pct": d.get("pct")})
    return rows
