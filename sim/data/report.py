"""The back-test's files: tables (CSV, JSON), figures (the comparison figures of
:mod:`polsim.reports.figures` where they fit, two more here) and ``report.html``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from polsim.data.backtest import TOP_SHARE, Backtest
from polsim.files import write_atomically
from polsim.reports import figures
from polsim.reports.city_map import CityBase
from polsim.reports.html import MISSING, esc, figure_list, page, table, write_page

CAPTIONS = {
    "totals.png": "Crimes by type in the test period: observed, simulated (mean and 95% interval over "
                  "replications) and the naive forecast (the training period's counts).",
    "hours.png": "Crimes by hour of day: observed, simulated (band: 95% interval) and naive.",
    "maps.png": "Where crime happened in the test period: observed, simulated (mean) and naive.",
    "difference.png": "Forecast minus observed per cell (red: forecast too high, blue: too low).",
    "qq.png": "Response-time parts, simulated against observed quantiles (on the diagonal: same distribution).",
}


def write_backtest(out: Path, bt: Backtest, info: dict[str, Any], base: CityBase | None = None) -> Path:
    """Write the tables, the figures (maps over the city ``base``) and ``report.html`` into
    ``out``; returns the report.
    """
    out.mkdir(parents=True, exist_ok=True)
    tables = {"totals": bt.totals, "spatial": bt.spatial, "response": bt.response}
    if bt.hours is not None:
        tables["hours"] = bt.hours
    for name, rows in tables.items():
        frame = pd.DataFrame(rows)
        write_atomically(out / f"{name}.csv", lambda p, f=frame: f.to_csv(p, index=False, float_format="%.6g"))
    text = json.dumps({**info, **tables}, indent=2, default=float) + "\n"
    write_atomically(out / "backtest.json", lambda p: p.write_text(text, encoding="utf-8"))
    return write_page(out / "report.html", report_html(bt, info, _figures(out, bt, base)))


def _figures(out: Path, bt: Backtest, base: CityBase | None) -> list[str]:
    t = [r for r in bt.totals if r["metric"] != "crimes.total"]
    types = [r["metric"].removeprefix("crimes.by_type.") for r in t]
    means = {"observed": [r["observed"] for r in t], "simulated": [r["sim_mean"] for r in t],
             "naive": [r["naive"] for r in t]}
    errors = {"simulated": [_half(r) for r in t]}
    drawn = {"totals.png": figures.crimes_by_type(means, errors, types)}
    if bt.hours is not None:
        drawn["hours.png"] = _hours_figure(bt.hours)
    drawn["maps.png"] = figures.crime_maps(bt.maps, base)
    drawn["maps.png"].suptitle("Where crime happened in the test period (simulated: mean over replications)")
    obs = bt.maps["observed"]
    diff = figures.difference_maps({"simulated": bt.maps["simulated"] - obs, "naive": bt.maps["naive"] - obs},
                                   {}, baseline="observed", base=base)
    diff.legends.clear()  # no treated cells or buffer rings here
    diff.suptitle("Forecast minus observed, per cell")
    drawn["difference.png"] = diff
    if bt.samples:
        drawn["qq.png"] = _qq_figure(bt.samples)
    return [figures.save(fig, out / name).name for name, fig in drawn.items()]


def _half(row: dict[str, Any]) -> float:
    if row["sim_ci_low"] is None:
        return 0.0
    return (row["sim_ci_high"] - row["sim_ci_low"]) / 2


def _hours_figure(rows: list[dict[str, Any]]):
    import matplotlib.pyplot as plt

    h = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.plot(h["hour"], h["observed"], "k-o", ms=3, label="observed")
    ax.plot(h["hour"], h["sim_mean"], "C0-", label="simulated")
    ax.fill_between(h["hour"], h["sim_ci_low"].astype(float), h["sim_ci_high"].astype(float), color="C0", alpha=0.25)
    ax.plot(h["hour"], h["naive"], "C1--", label="naive")
    ax.set(xlabel="hour of day", ylabel="crimes in the period", title="Crimes by hour", xticks=range(0, 24, 3))
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _qq_figure(samples: dict[str, tuple[np.ndarray, np.ndarray]]):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(samples), figsize=(3.8 * len(samples), 3.8), squeeze=False)
    q = np.linspace(0.01, 0.99, 99)
    for ax, (part, (obs, sim)) in zip(axes[0], samples.items(), strict=True):
        qo, qs = np.quantile(obs, q), np.quantile(sim, q)
        ax.plot(qo, qs, "o", ms=3)
        top = max(qo.max(), qs.max())
        ax.plot([0, top], [0, top], color="0.5", ls="--", lw=0.8)
        ax.set(xlabel=f"observed {part} quantile", ylabel="simulated", title=part.replace("_", " "))
        ax.grid(alpha=0.3)
    return fig


def _num(v: Any, fmt: str = "{:.3g}") -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return MISSING
    return fmt.format(v) if isinstance(v, float | int | np.floating) else esc(v)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    return table(columns, ("".join(f"<td>{_num(r.get(c))}</td>" for c in columns) for r in rows))


def report_html(bt: Backtest, info: dict[str, Any], figure_files: list[str]) -> str:
    """The report page; figures are linked by file name (they sit beside it)."""
    totals = [{**r, "interval": f"{_num(r['sim_ci_low'])}–{_num(r['sim_ci_high'])}",
               "prediction": f"{_num(r['pred_low'])}–{_num(r['pred_high'])}",
               "observed inside": "yes" if r["pred_low"] <= r["observed"] <= r["pred_high"] else "no"}
              for r in bt.totals]
    response = (_table(bt.response, ["metric", "observed_n", "simulated_n", "ks_distance", "observed_q50",
                                     "simulated_q50", "observed_q90", "simulated_q90"])
                if bt.response else "<p>The data has no response times.</p>")
    return page(f"polsim backtest: {info['scenario']}", f"""<h1>Back-test of {esc(info['scenario'])}</h1>
<p>Test period <b>{esc(info['period'])}</b> ({info['test_days']:g} days, {info['test_records']} records) from
{esc(info['data'])}; training period {esc(info['train_period'])} ({info['train_days']:g} days). Simulated:
{info['replications']} replications of {info['days']:g} days (after {info['warmup_days']:g} days of warm-up), scaled to
the test period. Naive forecast: the training period's counts scaled to the test period's days.</p>
<h2>Totals by type</h2>
<p>Interval: 95% interval of the simulated mean. Prediction: where one period's count should fall if the model is
right (replication noise and the counts' own dispersion).</p>
{_table(totals, ["metric", "observed", "sim_mean", "interval", "prediction", "observed inside", "naive"])}
<h2>Where: agreement over blocks</h2>
<p>Spearman's rank correlation of forecast and observed counts over blocks; hit rate: share of observed crime in
the {TOP_SHARE:.0%} of blocks the forecast ranks highest; PAI: hit rate over area share (Chainey et al. 2008;
1 = no better than chance). "simulated" uses the mean over replications; the interval is over single replications.</p>
{_table(bt.spatial, ["scale_m", "measure", "blocks", "simulated", "sim_ci_low", "sim_ci_high", "naive"])}
<h2>Response times</h2>
{response}
<h2>Figures</h2>
{figure_list(figure_files, CAPTIONS)}
<p><small>Files: totals.csv, spatial.csv, response.csv{', hours.csv' if bt.hours else ''}, backtest.json.
Command: {esc(info.get('command', ''))}</small></p>""")
