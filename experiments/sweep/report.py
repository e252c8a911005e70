"""``report.html`` of a sweep: tables of each metric by parameter and policy, figures, displacement.

Everything is read back from the sweep folder (plan.json and the Parquet parts), so a report
can be drawn while a sweep is still running or after it was killed: it covers the runs done.
Files written next to ``report.html``: the PNG figures and ``summary.csv`` (every metric's
mean and interval per point and policy, long format) and ``displacement.csv`` when measured.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from polsim.experiments.sweep import analysis, figures, store
from polsim.experiments.sweep.design import GRID
from polsim.experiments.sweep.plan import Plan, read_plan
from polsim.files import write_atomically
from polsim.measures.vocabulary import label
from polsim.reports.figures import save
from polsim.reports.html import MISSING, esc, figure_list, interval_cell, page, table, write_page

HEATMAP_BINS = 4
"""Sampled (lhs, sobol) designs are binned into this many ranges per axis for the heatmap."""


def load_sweep(out: Path) -> tuple[Plan, pd.DataFrame]:
    """The plan and every finished run's row of the sweep in ``out``."""
    return read_plan(out), store.load_rows(out)


def write_report(out: Path) -> Path:
    """Draw the figures, write the tables and ``report.html`` into the sweep folder ``out``."""
    out = Path(out)
    plan, df = load_sweep(out)
    if df.empty:
        raise ValueError(f"{out} holds no finished run yet")
    metrics = analysis.check_metrics(df, plan.spec["metrics"])
    marginal = analysis.marginal_tables(plan, df, metrics)
    points = analysis.point_tables(plan, df, metrics)
    _write_csv(out / "summary.csv", pd.concat([t.assign(metric=m) for m, t in points.items()], ignore_index=True))
    diffs = analysis.difference_tables(plan, df, metrics)
    if diffs:
        _write_csv(out / "differences.csv", pd.concat([t.assign(metric=m) for m, t in diffs.items()],
                                                       ignore_index=True))
    figs = {}
    for m in metrics:
        figs[f"metric_{_slug(m)}.png"] = figures.metric_vs_parameters(
            m, {p: marginal[(m, p)] for p in plan.parameters}, plan.spec["policies"])
    pair = heatmap_pair(plan)
    if pair:
        binned = _binned(plan, analysis.ok_rows(df), pair)
        for m in metrics:
            cells = analysis.interval_table(binned, m, [*pair, "policy"])
            figs[f"heatmap_{_slug(m)}.png"] = figures.heatmap(m, cells, pair[0], pair[1], plan.spec["policies"])
    moved = analysis.displacement_table(plan, df, out)
    if not moved.empty:
        _write_csv(out / "displacement.csv", moved)
        if moved["success"].notna().any():
            figs["displacement.png"] = figures.displacement(moved, plan.parameters[0])
    for name, fig in figs.items():
        save(fig, out / name)
    return write_page(out / "report.html", report_html(plan, df, metrics, marginal, points, moved, list(figs), diffs))


def heatmap_pair(plan: Plan) -> list[str]:
    """The two parameters of the heatmap: the spec's choice, else the first two (none with one)."""
    chosen = plan.spec["report"]["heatmap"]
    return list(chosen) if chosen else plan.parameters[:2] if len(plan.parameters) >= 2 else []


def _binned(plan: Plan, df: pd.DataFrame, pair: list[str]) -> pd.DataFrame:
    """A grid design as it is; a sampled one with each heatmap parameter cut into equal ranges."""
    if plan.spec["design"]["method"] == GRID:
        return df
    df = df.copy()
    for p in pair:
        cut = pd.cut(df[p].astype(float), HEATMAP_BINS)
        df[p] = cut.map(lambda iv: float(iv.mid)).astype(float)
    return df


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    write_atomically(path, lambda p: frame.to_csv(p, index=False))


def _num(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return MISSING
    return f"{v:.4g}" if isinstance(v, float) else esc(v)


def _cell(row: pd.Series) -> str:
    low = None if pd.isna(row["ci_low"]) else _num(row["ci_low"])
    return interval_cell(_num(row["mean"]), low, _num(row["ci_high"]), note=f"n={int(row['n'])}")


def wide_table(frame: pd.DataFrame, keys: list[str], policies: list[str]) -> str:
    """HTML: one row per key combination, one column per policy with mean [95% CI] and n."""
    rows = []
    for key, group in frame.groupby(keys, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        by_policy = {r["policy"]: r for _, r in group.iterrows()}
        cells = "".join(_cell(by_policy[p]) if p in by_policy else f"<td>{MISSING}</td>" for p in policies)
        rows.append("".join(f"<th>{_num(k)}</th>" for k in key) + cells)
    return table([*keys, *policies], rows)


def _displacement_html(moved: pd.DataFrame, params: list[str]) -> str:
    if moved.empty:
        return ""
    cols = [*params, "policy", "pairs", "treated_cells", "success", "buffer_measure", "wdq", "total_net_effect"]
    rows = []
    for _, r in moved.iterrows():
        cells = "".join(f"<td>{_num(r.get(c))}</td>" for c in cols)
        rows.append(f"{cells}<td><b>{esc(r['verdict'])}</b><br><small>{esc(r['reason'])}</small></td>")
    return ("<h2>Displacement against the baseline (Bowers &amp; Johnson)</h2><p>Per point and policy, pooled "
            "over the seeds it shares with the baseline. Success measure &lt; 0: crime fell in the treated cells "
            "relative to control; buffer measure &gt; 0: it rose in the ring around them (displacement), &lt; 0: "
            "it fell there too (diffusion of benefits). The verdict needs the 95% intervals to exclude zero.</p>"
            + table([*cols, "verdict"], rows))


def report_html(plan: Plan, df: pd.DataFrame, metrics: list[str], marginal: dict, points: dict,
                moved: pd.DataFrame, figure_files: list[str], diffs: dict | None = None) -> str:
    """The whole page; figures are linked by file name (they sit beside it)."""
    s = plan.spec
    policies = list(s["policies"])
    failed = df[df["status"] != "ok"]
    length = f"{s['days']:g} simulated days" if s["days"] else (f"{s['steps']} steps" if s["steps"]
                                                               else "the scenario's length")
    fail_html = "".join(f"<li>{esc(r['run_id'])} ({esc(str(r['policy']))}, seed {r['seed']}): "
                        f"{esc(str(r['error']))}</li>" for _, r in failed.iterrows())
    sections = []
    for m in metrics:
        title = esc(m) if label(m) == m else f"{esc(label(m))} <small>({esc(m)})</small>"
        parts = [f"<h3>{title}</h3>"]
        if len(plan.parameters) > 1:
            parts += [f"<p>by {esc(p)} (pooled over the other parameters)</p>"
                      + wide_table(marginal[(m, p)], [p], policies) for p in plan.parameters]
        parts.append("<p>by point</p>" + wide_table(points[m], ["point", *plan.parameters], policies))
        if diffs:
            others = [p for p in policies if p != s["baseline"]]
            parts.append(f"<p>minus {esc(s['baseline'])} at the same point, paired by seed</p>"
                         + wide_table(diffs[m], ["point", *plan.parameters], others))
        sections.append("".join(parts))
    files = ["summary.csv"] + (["differences.csv"] if diffs else []) + ([] if moved.empty else ["displacement.csv"])
    title = s["name"] or plan.spec_file
    body = f"""<h1>Sweep: {esc(title)}</h1>
<p>{esc(s['description'])}</p>
<p>Scenario <b>{esc(Path(s['scenario']).stem)}</b>; design {esc(s['design']['method'])} over
{', '.join(esc(p) for p in plan.parameters)} ({len(plan.points)} points); policies {', '.join(map(esc, policies))};
{s['replications']} replications on shared seeds {s['seed_base']}–{s['seed_base'] + s['replications'] - 1}
(common random numbers); {length} per run. {len(df)} of {len(plan.runs)} runs finished, {len(failed)} failed.
Cells: mean, [95% t-interval over replications], n runs.</p>
{'<h2>Failed runs</h2><ul>' + fail_html + '</ul>' if fail_html else ''}
{_displacement_html(moved, plan.parameters)}
<h2>Metrics</h2>
{''.join(sections)}
<h2>Figures</h2>
{figure_list(figure_files)}
<p><small>Files: {', '.join(files)}, parts/*.parquet (one row per run), plan.json.</small></p>"""
    return page(f"polsim sweep: {title}", body)
