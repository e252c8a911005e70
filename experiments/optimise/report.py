"""``report.html`` of a study: the Pareto table with 95% intervals, the shipped deployment, figures.

Read back from the study folder (optimise.json, front.json); the figures are the front's
projections on every pair of objectives with the search's candidates and the shipped
deployment on the same axes, parallel coordinates, each deployment on the city map, and the
search's progress.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from polsim.experiments.optimise import figures
from polsim.experiments.optimise.final import FRONT_FILE, read_front
from polsim.experiments.optimise.space import Space
from polsim.experiments.optimise.spec import OptimiseSpec, spec_from_dict
from polsim.experiments.optimise.study import POINTS, read_study
from polsim.files import write_atomically
from polsim.reports.city_map import CityBase
from polsim.reports.figures import save
from polsim.reports.html import figure_list, page


def write_report(out: Path) -> Path:
    """Draw the figures and write ``report.html`` into the study folder ``out``."""
    out = Path(out)
    if not (out / FRONT_FILE).exists():
        raise ValueError(f"{out}: the study has not finished ({FRONT_FILE} missing); resume it with "
                         "polsim optimise SPEC --out DIR --resume")
    study, front = read_study(out), read_front(out)
    spec = spec_from_dict(study["spec"], study["spec_file"])
    space = Space(spec)
    entries = [front["shipped"], *front["points"]]
    titles = ["shipped deployment"] + [f"point {p['point']}" for p in front["points"]]
    figs = {
        "front.png": figures.projections(front, spec.parsed_objectives, _cloud(front)),
        "parallel.png": figures.parallel(front, *_columns(front, space)),
        "deployments.png": figures.deployment_maps(entries, CityBase.of(space.city), study["candidates"], titles,
                                                   list(spec.variables.units)),
        "progress.png": figures.progress(front["history"], spec.parsed_objectives),
    }
    for name, fig in figs.items():
        save(fig, out / name)
    linked = {p["point"] for p in front["points"] if (out / POINTS / f"point_{p['point']:02d}.toml").exists()}
    text = report_html(spec, study, front, list(figs), linked)
    write_atomically(out / "report.html", lambda p: p.write_text(text, encoding="utf-8"))
    return out / "report.html"


def _cloud(front: dict[str, Any]) -> list[list[float]]:
    """Every feasible candidate the search scored, at its last search mean."""
    last: dict[str, list[float]] = {}
    for h in front["history"]:
        for m in h["population"]:
            if m["cv"] <= 0:
                last[m["key"]] = m["objectives"]
    return list(last.values())


def _columns(front: dict[str, Any], space: Space) -> tuple[list[tuple[str, list]], list]:
    """Parallel-coordinate axes: the objectives, then each varied unit type's decisions, then options."""
    points, shipped = front["points"], front["shipped"]
    columns, ship = [], []
    for metric in (o.metric for o in space.spec.parsed_objectives):
        columns.append((metric, [p["metrics"][metric]["mean"] for p in points]))
        ship.append(shipped["metrics"][metric]["mean"])
    for unit in space.spec.variables.units:
        for name, get in (("count", lambda p: p["count"]), ("shift start", lambda p: p["shift"][0]),
                          ("hours", lambda p: min(p["shift"][1] - p["shift"][0], 24)),
                          ("bases", lambda p: len(p["bases"]))):
            columns.append((f"{unit} {name}", [get(p["plan"][unit]) for p in points]))
            ship.append(get(shipped["plan"][unit]))
    for option in space.spec.variables.options:
        columns.append((option, [space.value(p["decision"], option) for p in points]))
        ship.append(None)
    return columns, ship


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:.4g}"


def _metric_cell(m: dict[str, Any]) -> str:
    if m["exact"]:
        return f"<td>{_num(m['mean'])}</td>"
    return f"<td>{_num(m['mean'])}<br><small>[{_num(m['ci_low'])}, {_num(m['ci_high'])}]</small></td>"


def _diff_cell(d: dict[str, Any] | None) -> str:
    if d is None:
        return "<td>–</td>"
    cls = ' class="decisive"' if d["decisive"] else ""
    ci = "" if d["exact"] else f"<br><small>[{_num(d['ci_low'])}, {_num(d['ci_high'])}]</small>"
    return f"<td{cls}>{'+' if (d['mean'] or 0) > 0 else ''}{_num(d['mean'])}{ci}</td>"


def _row(entry: dict[str, Any], metrics: list[str], constraints: list[str], link: str) -> str:
    esc = html.escape
    cells = "".join(_metric_cell(entry["metrics"][m]) for m in metrics)
    feasible = "yes" if entry["feasible_final"] else "<b>no</b>"
    dist = "–" if entry.get("vs_previous") is None else "yes" if entry["distinguishable"] else "<b>no</b>"
    vs_ship = entry.get("vs_shipped") or {}
    ship_cells = "".join(_diff_cell(vs_ship.get(m)) for m in metrics) if vs_ship else "<td>–</td>" * len(metrics)
    name = "shipped" if entry["point"] == 0 else str(entry["point"])
    note = "<br><small>dominated by another point on the final runs</small>" if entry.get("dominated_final") else ""
    return (f"<tr><th>{name}</th><td style='text-align:left'>{esc(entry['describe'])}{note}</td>{cells}"
            f"<td>{feasible if constraints else '–'}</td><td>{dist}</td>{ship_cells}<td>{link}</td></tr>")


def report_html(spec: OptimiseSpec, study: dict[str, Any], front: dict[str, Any], figure_files: list[str],
                linked: set[int] | None = None) -> str:
    """The whole page; figures and the points' scenario files (those in ``linked``; ``None``: all)
    are linked by file name (they sit beside it).
    """
    s, esc = study["spec"], html.escape
    metrics = spec.metrics
    head = ("<tr><th>point</th><th>deployment</th>" + "".join(f"<th>{esc(m)}</th>" for m in metrics)
            + "<th>constraints met</th><th>distinguishable from the previous point</th>"
            + "".join(f"<th>{esc(m)} minus shipped</th>" for m in metrics) + "<th>scenario file</th></tr>")
    rows = [_row(p, metrics, front["constraints"], f'<a href="{POINTS}/point_{p["point"]:02d}.toml">'
                 f'point_{p["point"]:02d}.toml</a>' if linked is None or p["point"] in linked
                 else "not written (polsim optimise SPEC --out DIR --resume writes it)") for p in front["points"]]
    rows.append(_row(front["shipped"], metrics, front["constraints"], "the scenario as shipped"))
    dominating = [str(p["point"]) for p in front["points"] if p.get("dominates_shipped")]
    shipped_line = (f"Points {', '.join(dominating)} are better than the shipped deployment in every objective "
                    "(on the final means)." if dominating else
                    "No Pareto point is better than the shipped deployment in every objective at once.")
    runs = front["history"][-1]["runs"] if front["history"] else 0
    feasible = "" if front["feasible"] else ("<p><b>No candidate met every constraint.</b> The least infeasible "
                                             "one is shown.</p>")
    title = s["name"] or study["spec_file"]
    return page(f"polsim optimise: {title}", f"""<h1>Deployment optimisation: {esc(title)}</h1>
<p>{esc(s['description'])}</p>
<p>Scenario <b>{esc(Path(s['scenario']).stem)}</b>. Objectives: {', '.join(map(esc, front['objectives']))}.
Constraints: {', '.join(map(esc, front['constraints'])) or 'none'}. Search: {s['generations']} generations of
{s['population']} candidates, {s['replications']} runs per candidate per generation on that generation's shared seeds,
survivors re-run on fresh seeds up to {s['max_replications'] or s['final_replications']} runs; {runs} search runs.</p>
{feasible}
<h2>The Pareto points</h2>
<p>Each point re-run on {len(front['seeds'])} fresh seeds ({front['seeds'][0]}–{front['seeds'][-1]}) that no search
run used, shared by every point and the shipped deployment: mean and [95% t-interval]; officer-hours and cost are
exact. "Distinguishable": at least one simulated objective differs from the previous point (sorted by
{esc(front['objectives'][0])}) with a paired 95% interval that excludes zero; where it says <b>no</b>, the two are
the same on these runs and the cheaper one will do. "Minus shipped": paired differences on the same seeds
(highlighted where the interval excludes zero). {esc(shipped_line)}</p>
<table>{head}{''.join(rows)}</table>
<p>Each point's scenario file runs as <code>polsim run points/point_NN.toml</code> (its policy is written in
as <code>[policy] name</code>; <code>--policy</code> overrides it) and compares with <code>polsim compare</code>.</p>
<h2>Figures</h2>
{figure_list(figure_files)}
<p><small>Files: front.json (every number above), optimise.json (the spec, the variables, the candidate bases),
parts/*.parquet (one row per run), state.json (the search's checkpoint), {FRONT_FILE}.</small></p>""")
