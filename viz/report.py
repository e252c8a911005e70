"""The comparison report a planner opens: figures and ``report.html`` with table and verdicts."""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from polsim.compare.tables import metric_label
from polsim.output import write_atomically
from polsim.stats import Interval
from polsim.viz import figures

FIGURES = {
    "response_cdf.png": "Share of calls reached within t minutes (dashed: the 1, 3 and 5-minute targets).",
    "crime_maps.png": "Mean crimes per cell under each policy.",
    "difference_maps.png": ("Mean crimes per cell, policy minus baseline on the same seeds (blue: fewer). "
                            "Black: cells treated in at least half the replications; green: the buffer ring."),
    "crimes_by_type.png": "Crimes by type per policy, mean and 95% interval over replications.",
}
"""Every figure file of a comparison, with its caption."""

HEADLINE = ("response_mean", "response_p90", "within_1", "within_3", "within_5", "crimes_total",
            "arrests", "capture_mean", "utilisation", "visibility", "disputes_escalated")
"""The metrics shown first in the report's table (crimes by type follow)."""


def write_figures(out: Path, result: Mapping[str, Any], maps: Mapping[str, Any]) -> list[Path]:
    """Draw every figure of a comparison into ``out``."""
    s = result["settings"]
    metrics = result["metrics"]
    types = [m.removeprefix("crimes_") for m in metrics[s["baseline"]]
             if m.startswith("crimes_") and m != "crimes_total"]
    means = {p: [m[f"crimes_{t}"]["mean"] or 0.0 for t in types] for p, m in metrics.items()}
    errors = {p: [_half(m[f"crimes_{t}"]) for t in types] for p, m in metrics.items()}
    drawn = {"response_cdf.png": figures.response_cdf(maps["cdf"]),
             "crime_maps.png": figures.crime_maps(maps["crime_maps"])}
    if maps["differences"]:
        drawn["difference_maps.png"] = figures.difference_maps(maps["differences"], maps["outlines"],
                                                               baseline=s["baseline"])
    drawn["crimes_by_type.png"] = figures.crimes_by_type(means, errors, types)
    return [figures.save(fig, out / name) for name, fig in drawn.items()]


def _half(row: Mapping[str, Any]) -> float:
    return Interval(row["mean"], row["ci_low"], row["ci_high"], row["n"]).half_width or 0.0


def _is_share(metric: str) -> bool:
    return metric.startswith("within_") or metric in ("utilisation", "visibility")


def _num(v: float | None, metric: str, diff: bool = False) -> str:
    if v is None:
        return "–"
    if _is_share(metric):
        # a difference of two shares is in percentage points, not a percentage
        return f"{100 * v:.1f} pp" if diff else f"{100 * v:.1f}%"
    return f"{v:.2f}"


def _cell(row: Mapping[str, Any] | None, metric: str) -> str:
    if not row or row["mean"] is None:
        return "<td>–</td>"
    ci = ""
    if row["ci_low"] is not None:
        ci = f"<br><small>[{_num(row['ci_low'], metric)}, {_num(row['ci_high'], metric)}]</small>"
    return f"<td>{_num(row['mean'], metric)}{ci}</td>"


def _diff_cell(row: Mapping[str, Any] | None, metric: str) -> str:
    if not row or row["mean"] is None:
        return "<td>–</td>"
    sign = "+" if row["mean"] > 0 else ""
    decisive = row["ci_low"] is not None and (row["ci_low"] > 0 or row["ci_high"] < 0)
    ci = ""
    if row["ci_low"] is not None:
        ci = f"<br><small>[{_num(row['ci_low'], metric, True)}, {_num(row['ci_high'], metric, True)}]</small>"
    cls = ' class="decisive"' if decisive else ""
    pct = "" if row.get("pct") is None or _is_share(metric) else f" ({row['pct']:+.1f}%)"
    return f"<td{cls}>{sign}{_num(row['mean'], metric, True)}{pct}{ci}</td>"


def metrics_table(result: Mapping[str, Any]) -> str:
    """The HTML table: one row per metric, per policy its mean [CI] and difference [CI]."""
    metrics = result["metrics"]
    baseline = result["settings"]["baseline"]
    policies = list(metrics)
    order = [m for m in HEADLINE if m in metrics[baseline]]
    order += [m for m in metrics[baseline] if m.startswith("crimes_") and m not in order]
    head = "".join(f"<th>{html.escape(p)}</th>" + ("" if p == baseline else
                   f"<th>{html.escape(p)} − {html.escape(baseline)}</th>") for p in policies)
    rows = []
    for m in order:
        cells = "".join(_cell(metrics[p][m], m) + ("" if p == baseline else _diff_cell(metrics[p][m]["diff"], m))
                        for p in policies)
        rows.append(f"<tr><th>{html.escape(metric_label(m))}</th>{cells}</tr>")
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(rows)}</table>"


def displacement_table(result: Mapping[str, Any]) -> str:
    """The HTML table of displacement verdicts, one row per non-baseline policy."""
    rows = []
    for p, d in result["displacement"].items():
        pooled = d.get("pooled", {})
        wdq = d.get("wdq", {})
        ci = ""
        if wdq.get("ci_low") is not None:
            ci = f" [{wdq['ci_low']:.2f}, {wdq['ci_high']:.2f}]"
        treated = [e["treated_cells"] for e in d["per_seed"]]
        pooled_wdq = pooled.get("wdq")
        rows.append(
            f"<tr><th>{html.escape(p)}</th><td>{sum(treated) / len(treated):.1f}</td>"
            f"<td>{_num(pooled.get('success'), 'x')}</td><td>{_num(pooled.get('buffer_measure'), 'x')}</td>"
            f"<td>{'–' if pooled_wdq is None else f'{pooled_wdq:.2f}'}{ci}</td>"
            f"<td>{_num(pooled.get('total_net_effect'), 'x')}</td>"
            f"<td><b>{html.escape(d['verdict'])}</b><br><small>{html.escape(d['reason'])}</small></td>"
            f"<td><small>{_by_type(d['by_type'])}</small></td></tr>")
    if not rows:
        return "<p>Only one policy: nothing to compare against the baseline.</p>"
    return ("<table><tr><th>policy</th><th>treated cells (mean)</th><th>success measure</th>"
            "<th>buffer measure</th><th>WDQ pooled [per-seed CI]</th><th>total net effect (crimes)</th>"
            f"<th>verdict</th><th>by crime type</th></tr>{''.join(rows)}</table>")


def _by_type(by_type: Mapping[str, Mapping[str, Any]]) -> str:
    parts = []
    for crime_type, d in by_type.items():
        wdq = d["pooled"].get("wdq")
        value = "" if wdq is None else f" (WDQ {wdq:.2f})"
        parts.append(f"{html.escape(crime_type.replace('_', ' '))}: {html.escape(d['verdict'])}{value}")
    return "<br>".join(parts) or "–"


STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:90%}th,td{border:1px solid #ccc;padding:4px 8px;
text-align:right;vertical-align:top}th{background:#f4f4f4}td.decisive{background:#fff3c4}
figure{margin:1.5em 0}img{max-width:100%}figcaption{color:#555;font-size:90%}small{color:#666}"""


def _gap(settings: Mapping[str, Any]) -> str:
    gap = settings.get("control_gap", 0)
    return f" beyond a gap of {gap:g} cells" if gap else ""


def report_html(result: Mapping[str, Any], figure_files: list[str]) -> str:
    """The whole report page; figures are linked by file name (they sit beside it)."""
    s = result["settings"]
    first = result["runs"][s["baseline"]][0]
    length = f"{first['sim_minutes'] / 1440:g} simulated days ({first['steps']} steps) per run"
    seeds = f"{s['seeds'][0]}–{s['seeds'][-1]}" if len(s["seeds"]) > 1 else str(s["seeds"][0])
    figs = "".join(f'<figure><img src="{html.escape(f)}" alt="{html.escape(f)}">'
                   f"<figcaption>{html.escape(FIGURES.get(f, f))}</figcaption></figure>"
                   for f in figure_files)
    esc = html.escape
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>polsim compare: {esc(', '.join(s['scenarios']))}</title>
<style>{STYLE}</style></head><body>
<h1>Comparison: {esc(', '.join(s['scenarios']))}</h1>
<p>Compared: {', '.join(esc(a['label']) for a in s['arms'])}; baseline <b>{esc(s['baseline'])}</b>.
{s['replications']} replications each on the same seeds ({seeds}, common random numbers), {length},
backend {esc(s['backend'])}. Intervals are {s['confidence']:.0%} t-intervals over replications; differences
are paired by seed. Highlighted differences are decisive (the interval excludes zero).</p>
<h2>Displacement (Bowers &amp; Johnson weighted displacement quotient)</h2>
<p>Treated cells: those the policy treated in at least {s['treated_share']:.0%} of hourly samples; buffer ring
{s['buffer_cells']:g} cells wide; control area: the rest of the city{_gap(s)}. "Before" is the baseline run, "after"
the policy's run on the same seed. A negative success measure means crime fell in the treated area
relative to control; a positive buffer measure means it rose around it (displacement), a negative one
that it fell there too (diffusion of benefits).</p>
{displacement_table(result)}
<h2>Results</h2>
{metrics_table(result)}
<h2>Figures</h2>
{figs}
<p><small>Files: compare.csv, compare.json, displacement.csv.</small></p>
</body></html>
"""


def write_report(out: Path, result: Mapping[str, Any], maps: Mapping[str, Any]) -> Path:
    """Draw the figures and write ``report.html`` linking them; returns the report's path."""
    paths = write_figures(out, result, maps)
    text = report_html(result, [p.name for p in paths])
    write_atomically(out / "report.html", lambda p: p.write_text(text, encoding="utf-8"))
    return out / "report.html"
