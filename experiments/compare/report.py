"""The comparison report a planner opens: figures and ``report.html`` with table and verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from polsim.measures.stats import Interval
from polsim.measures.vocabulary import BY_TYPE, is_share, label
from polsim.reports import figures
from polsim.reports.city_map import CityBase
from polsim.reports.html import MISSING, esc, figure_list, interval_cell, page, table, write_page

FIGURES = {
    "response_cdf.png": "Share of calls reached within t minutes (dashed: the 1, 3 and 5-minute targets).",
    "crime_maps.png": "Mean crimes per cell under each policy.",
    "difference_maps.png": ("Mean crimes per cell, policy minus baseline on the same seeds (blue: fewer). "
                            "Black: cells treated in at least half the replications; green: the buffer ring."),
    "crimes_by_type.png": "Crimes by type per policy, mean and 95% interval over replications.",
}
"""Every figure file of a comparison, with its caption."""

HEADLINE = ("response_time_min.mean", "response_time_min.p90", "response_time_min.within_1",
            "response_time_min.within_3", "response_time_min.within_5", "crimes.total", "arrests",
            "time_to_capture_min.mean", "utilisation", "visibility", "disputes_escalated")
"""The metrics shown first in the report's table (crimes by type follow)."""


def crime_types(metrics: Mapping[str, Any]) -> list[str]:
    """The crime types of one arm's metrics (``crimes.by_type.<type>``), in table order."""
    return [m.removeprefix(f"{BY_TYPE}.") for m in metrics if m.startswith(f"{BY_TYPE}.")]


def write_figures(out: Path, result: Mapping[str, Any], maps: Mapping[str, Any],
                  base: CityBase | None = None) -> list[Path]:
    """Draw every figure of a comparison into ``out``, the maps over the baseline's city ``base``."""
    s = result["settings"]
    metrics = result["metrics"]
    types = crime_types(metrics[s["baseline"]])
    means = {p: [m[f"{BY_TYPE}.{t}"]["mean"] or 0.0 for t in types] for p, m in metrics.items()}
    errors = {p: [_half(m[f"{BY_TYPE}.{t}"]) for t in types] for p, m in metrics.items()}
    drawn = {"response_cdf.png": figures.response_cdf(maps["cdf"]),
             "crime_maps.png": figures.crime_maps(maps["crime_maps"], base)}
    if maps["differences"]:
        drawn["difference_maps.png"] = figures.difference_maps(maps["differences"], maps["outlines"],
                                                               baseline=s["baseline"], base=base)
    drawn["crimes_by_type.png"] = figures.crimes_by_type(means, errors, types)
    return [figures.save(fig, out / name) for name, fig in drawn.items()]


def _half(row: Mapping[str, Any]) -> float:
    return Interval(row["mean"], row["ci_low"], row["ci_high"], row["n"]).half_width or 0.0


def _num(v: float | None, metric: str, diff: bool = False) -> str:
    if v is None:
        return MISSING
    if is_share(metric):
        # a difference of two shares is in percentage points, not a percentage
        return f"{100 * v:.1f} pp" if diff else f"{100 * v:.1f}%"
    return f"{v:.2f}"


def _cell(row: Mapping[str, Any] | None, metric: str) -> str:
    if not row or row["mean"] is None:
        return f"<td>{MISSING}</td>"
    low = None if row["ci_low"] is None else _num(row["ci_low"], metric)
    return interval_cell(_num(row["mean"], metric), low, _num(row["ci_high"], metric))


def _diff_cell(row: Mapping[str, Any] | None, metric: str) -> str:
    if not row or row["mean"] is None:
        return f"<td>{MISSING}</td>"
    sign = "+" if row["mean"] > 0 else ""
    pct = "" if row.get("pct") is None or is_share(metric) else f" ({row['pct']:+.1f}%)"
    low = None if row["ci_low"] is None else _num(row["ci_low"], metric, True)
    decisive = row["ci_low"] is not None and (row["ci_low"] > 0 or row["ci_high"] < 0)
    return interval_cell(f"{sign}{_num(row['mean'], metric, True)}{pct}", low,
                         _num(row["ci_high"], metric, True), decisive=decisive)


def metrics_table(result: Mapping[str, Any]) -> str:
    """The HTML table: one row per metric, per arm its mean [CI] and difference [CI]."""
    metrics = result["metrics"]
    baseline = result["settings"]["baseline"]
    arms = list(metrics)
    order = [m for m in HEADLINE if m in metrics[baseline]]
    order += [f"{BY_TYPE}.{t}" for t in crime_types(metrics[baseline])]
    head = ["metric"] + [h for p in arms for h in ([p] if p == baseline else [p, f"{p} − {baseline}"])]
    rows = []
    for m in order:
        cells = "".join(_cell(metrics[p][m], m) + ("" if p == baseline else _diff_cell(metrics[p][m]["diff"], m))
                        for p in arms)
        rows.append(f"<th>{esc(label(m))}</th>{cells}")
    return table(head, rows)


def displacement_table(result: Mapping[str, Any]) -> str:
    """The HTML table of displacement verdicts, one row per non-baseline arm."""
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
            f"<th>{esc(p)}</th><td>{sum(treated) / len(treated):.1f}</td>"
            f"<td>{_num(pooled.get('success'), 'x')}</td><td>{_num(pooled.get('buffer_measure'), 'x')}</td>"
            f"<td>{MISSING if pooled_wdq is None else f'{pooled_wdq:.2f}'}{ci}</td>"
            f"<td>{_num(pooled.get('total_net_effect'), 'x')}</td>"
            f"<td><b>{esc(d['verdict'])}</b><br><small>{esc(d['reason'])}</small>{_warnings(d)}</td>"
            f"<td><small>{_by_type(d['by_type'])}</small></td>")
    if not rows:
        return "<p>Only one policy: nothing to compare against the baseline.</p>"
    return table(["policy", "treated cells (mean)", "success measure", "buffer measure",
                  "WDQ pooled [per-seed CI]", "total net effect (crimes)", "verdict", "by crime type"], rows)


def _warnings(d: Mapping[str, Any]) -> str:
    """The control area's warnings, in red under the verdict: read it with care (docs/compare.md)."""
    found = d.get("warnings") or []
    if not found:
        return ""
    items = "".join(f"<br>⚠ {esc(w)}" for w in found)
    return f'<br><small class="warning" style="color:#b00020">read with care:{items}</small>'


def _by_type(by_type: Mapping[str, Mapping[str, Any]]) -> str:
    parts = []
    for crime_type, d in by_type.items():
        wdq = d["pooled"].get("wdq")
        value = "" if wdq is None else f" (WDQ {wdq:.2f})"
        parts.append(f"{esc(crime_type.replace('_', ' '))}: {esc(d['verdict'])}{value}")
    return "<br>".join(parts) or MISSING


def _gap(settings: Mapping[str, Any]) -> str:
    gap = settings.get("control_gap", 0)
    return f" beyond a gap of {gap:g} cells" if gap else ""


def report_html(result: Mapping[str, Any], figure_files: list[str]) -> str:
    """The whole report page; figures are linked by file name (they sit beside it)."""
    s = result["settings"]
    first = result["runs"][s["baseline"]][0]
    length = f"{first['sim_minutes'] / 1440:g} simulated days ({first['steps']} steps) per run"
    seeds = f"{s['seeds'][0]}–{s['seeds'][-1]}" if len(s["seeds"]) > 1 else str(s["seeds"][0])
    scenarios = ", ".join(s["scenarios"])
    body = f"""<h1>Comparison: {esc(scenarios)}</h1>
<p>Compared: {', '.join(esc(a['label']) for a in s['arms'])}; baseline <b>{esc(s['baseline'])}</b>.
{s['replications']} replications each on the same seeds ({seeds}, common random numbers), {length},
backend {esc(s['backend'])}. Intervals are {s['confidence']:.0%} t-intervals over replications; differences
are paired by seed. Highlighted differences are decisive (the interval excludes zero).</p>
<h2>Displacement (Bowers &amp; Johnson weighted displacement quotient)</h2>
<p>Treated cells: those the policy treated in at least {s['treated_share']:.0%} of hourly samples;
buffer ring {s['buffer_cells']:g} cells{_metres(s)} wide; control area: the rest of the city{_gap(s)}.
"Before" is the baseline run, "after" the policy's run on the same seed. A negative success measure
means crime fell in the treated area relative to control; a positive buffer measure means it rose
around it (displacement), a negative one that it fell there too (diffusion of benefits). Every
measure is relative to the control area's crime: a verdict marked "read with care" rests on a
small control area or one that moved on its own (docs/compare.md, "Reading the verdict").</p>
{displacement_table(result)}
<h2>Results</h2>
{metrics_table(result)}
<h2>Figures</h2>
{figure_list(figure_files, FIGURES)}
<p><small>Files: compare.csv, compare.json, displacement.csv.</small></p>"""
    return page(f"polsim compare: {scenarios}", body)


def _metres(s: Mapping[str, Any]) -> str:
    cell_m = s.get("cell_m")
    return "" if not cell_m else f" ({s['buffer_cells'] * cell_m:g} m)"


def write_report(out: Path, result: Mapping[str, Any], maps: Mapping[str, Any],
                 base: CityBase | None = None) -> Path:
    """Draw the figures (maps over ``base``, the baseline's city) and write ``report.html``
    linking them; returns the report's path.
    """
    paths = write_figures(out, result, maps, base)
    return write_page(out / "report.html", report_html(result, [p.name for p in paths]))
