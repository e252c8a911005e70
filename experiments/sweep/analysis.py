"""From a sweep's rows to its tables: each metric's mean and 95% t-interval by parameter and policy.

Replications of a point are independent runs (distinct seeds), so each cell of a table is a
t-interval over them (:func:`polsim.measures.stats.t_interval`). Failed runs are left out and counted.
A marginal table by one parameter pools every run at that parameter value (over the other
parameters too), which is what a one-parameter plot shows. Displacement, when the spec names
a baseline policy, pairs each run with the baseline's run at the same point and seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from polsim.experiments.sweep import store
from polsim.experiments.sweep.plan import Plan
from polsim.measures.stats import paired_interval
from polsim.measures.treated_areas import AreaRule, PairedDisplacement, PairedRun, buffer_cells_of, paired_displacement
from polsim.measures.vocabulary import interval_of

STAT_COLUMNS = ["mean", "ci_low", "ci_high", "n"]
MEASURES = ["a_before", "a_after", "b_before", "b_after", "success", "buffer_measure", "wdq", "total_net_effect",
            "success_low", "success_high", "buffer_low", "buffer_high"]
"""Displacement columns; missing (None) where no pair of runs could be measured."""


def ok_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The runs that finished without error."""
    return df[df["status"] == "ok"] if len(df) else df


def check_metrics(df: pd.DataFrame, metrics: Sequence[str]) -> list[str]:
    """The spec's metrics present in the rows (a metric no run reported is left out)."""
    return [m for m in metrics if m in df.columns]


def interval_table(df: pd.DataFrame, metric: str, by: Sequence[str], confidence: float = 0.95) -> pd.DataFrame:
    """Mean, interval and n of ``metric`` for each combination of the ``by`` columns."""
    rows = []
    for key, group in df.groupby(list(by), sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        values = pd.to_numeric(group[metric], errors="coerce").tolist()
        ci = interval_of(metric, values, confidence)  # missing values (NaN) are left out
        rows.append({**dict(zip(by, key, strict=True)), "mean": ci.mean, "ci_low": ci.low,
                     "ci_high": ci.high, "n": ci.n})
    return pd.DataFrame(rows, columns=[*by, *STAT_COLUMNS])


def point_tables(plan: Plan, df: pd.DataFrame, metrics: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Per metric: one row per point and policy (every parameter's value), mean and interval."""
    ok = ok_rows(df)
    return {m: interval_table(ok, m, ["point", *plan.parameters, "policy"]) for m in metrics}


def marginal_tables(plan: Plan, df: pd.DataFrame, metrics: Sequence[str]) -> dict[tuple[str, str], pd.DataFrame]:
    """Per metric and parameter: one row per parameter value and policy, pooled over the rest."""
    ok = ok_rows(df)
    return {(m, p): interval_table(ok, m, [p, "policy"]) for m in metrics for p in plan.parameters}


def difference_tables(plan: Plan, df: pd.DataFrame, metrics: Sequence[str],
                      confidence: float = 0.95) -> dict[str, pd.DataFrame]:
    """Per metric: each policy minus the baseline at the same point, paired by seed (empty without a baseline).

    Common random numbers make the paired interval far narrower than two separate ones.
    """
    baseline = plan.spec["baseline"]
    if baseline is None:
        return {}
    ok = ok_rows(df)
    out = {}
    for m in metrics:
        wide = ok.pivot_table(index=["point", "seed"], columns="policy", values=m, aggfunc="first", dropna=False)
        rows = []
        for point in sorted(ok["point"].unique()):
            at = wide.loc[point] if point in wide.index.get_level_values(0) else wide.iloc[:0]
            for policy in plan.spec["policies"]:
                if policy == baseline or policy not in at or baseline not in at:
                    continue
                ci = paired_interval([_value(v) for v in at[policy]], [_value(v) for v in at[baseline]], confidence)
                rows.append({"point": int(point), **plan.points[int(point)], "policy": policy,
                             "mean": ci.mean, "ci_low": ci.low, "ci_high": ci.high, "n": ci.n})
        out[m] = pd.DataFrame(rows, columns=["point", *plan.parameters, "policy", *STAT_COLUMNS])
    return out


def _value(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def displacement_table(plan: Plan, df: pd.DataFrame, out, confidence: float = 0.95) -> pd.DataFrame:
    """Per point and non-baseline policy: Bowers-Johnson measures against the baseline, pooled over seeds.

    "Before" is the baseline policy's run at the same point and seed, "after" the policy's;
    the treated area is the cells the policy treated in at least ``treated_share`` of the hourly samples,
    the buffer a ring ``buffer_m`` metres wide (in the cells of the point's city), the control
    area the rest of the city.
    """
    baseline = plan.spec["baseline"]
    if baseline is None:
        return pd.DataFrame()
    ok = ok_rows(df).set_index(["point", "policy", "seed"])
    rows = []
    for (point, policy), group in ok.reset_index().groupby(["point", "policy"], sort=True):
        if policy == baseline:
            continue
        pairs, cell_m = [], 0.0
        for seed, run_id in zip(group["seed"], group["run_id"], strict=True):
            if (point, baseline, seed) not in ok.index:
                continue
            after = store.read_map(out, run_id)
            before = store.read_map(out, ok.loc[(point, baseline, seed), "run_id"])
            cell_m = float(after["cell_m"])
            pairs.append(PairedRun(int(seed), before["crimes"], after["crimes"], after["treated_share"],
                                   after["passable"]))
        # one point is one city: its runs share the cell size the buffer's metres are counted in
        buffer = buffer_cells_of(plan.spec["buffer_m"], cell_m) if pairs else 0.0
        rule = AreaRule(buffer_cells=buffer, treated_share=plan.spec["treated_share"])
        measured = paired_displacement(pairs, rule, [], confidence)
        rows.append(_displacement_row(plan, int(point), policy, measured))
    return pd.DataFrame(rows)


def _displacement_row(plan: Plan, point: int, policy: str, measured: PairedDisplacement) -> dict[str, Any]:
    treated = measured.treated_cells
    row: dict[str, Any] = {"point": point, **plan.points[point], "policy": policy, "pairs": len(measured.counted),
                           "treated_cells": float(np.mean(treated)) if treated else None}
    pooled = measured.pooled
    if pooled is None:
        return {**row, **dict.fromkeys(MEASURES), "verdict": "undefined",
                "reason": "no pair of runs in which the policy treated any cell"}
    p = pooled.pooled
    return {**row, "a_before": p.counts.a_before, "a_after": p.counts.a_after, "b_before": p.counts.b_before,
            "b_after": p.counts.b_after, "success": p.success, "buffer_measure": p.buffer_measure,
            "wdq": p.wdq, "total_net_effect": p.total_net_effect,
            "success_low": pooled.success.low, "success_high": pooled.success.high,
            "buffer_low": pooled.buffer_measure.low, "buffer_high": pooled.buffer_measure.high,
            "verdict": pooled.verdict, "reason": pooled.reason}
