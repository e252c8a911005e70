"""Writing a calibration: the scenario TOML, its baseline raster, the rounds and a figure.

``mycity_calibrated.toml`` is the source scenario with ``field.baseline`` (and, where fitted,
``field.crime_by_hour`` and ``crimes.<type>.report_delay_min``) set; beside it,
``mycity_calibrated_baseline.npz``, ``mycity_calibrated_rounds.csv`` (one row a round: the
test's deviance, dispersion, degrees of freedom and p-value), ``..._calibration.json`` and
``..._calibration.png``. Every file is written under a temporary name and renamed; the
scenario last.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from polsim.data.baseline_file import save_baseline
from polsim.data.calibrate import Fit, FitOptions
from polsim.data.observed import Observed
from polsim.files import write_atomically
from polsim.scenario.loader import read_toml, resolve_path

PATH_FIELDS = (("city", "source"),)
"""Scenario fields holding a path relative to the scenario file (rewritten for the new place)."""


def paths(out: Path) -> dict[str, Path]:
    """Every file a calibration writes, by role."""
    stem = out.with_suffix("")
    return {"baseline": Path(f"{stem}_baseline.npz"), "rounds": Path(f"{stem}_rounds.csv"),
            "json": Path(f"{stem}_calibration.json"), "figure": Path(f"{stem}_calibration.png"),
            "scenario": out}


def calibrated_table(scenario: str, fit: Fit, baseline: Path, out: Path, name: str | None) -> dict[str, Any]:
    """The source scenario's tables with the fitted fields set."""
    source = resolve_path(scenario)
    data = read_toml(source)
    for section, key in PATH_FIELDS:
        value = data.get(section, {}).get(key)
        if isinstance(value, str) and not Path(value).is_absolute():
            data[section][key] = os.path.relpath(source.parent / value, out.parent)
    data["name"] = name or f"{data.get('name', source.stem)}_calibrated"
    data.setdefault("field", {})["baseline"] = baseline.name
    if fit.crime_by_hour is not None:
        data["field"]["crime_by_hour"] = [round(v, 4) for v in fit.crime_by_hour]
    for t, d in fit.report_delays.items():
        data.setdefault("crimes", {}).setdefault(t, {})["report_delay_min"] = round(d["mean"], 2)
    return data


def write_calibration(out: Path, scenario: str, fit: Fit, obs: Observed, options: FitOptions,
                      info: dict[str, Any], name: str | None = None) -> dict[str, Path]:
    """Write every file of a calibration; returns them by role."""
    import tomli_w

    files = paths(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_baseline(files["baseline"], fit.a0, obs.types)
    rounds = pd.DataFrame(fit.rounds)
    write_atomically(files["rounds"], lambda p: rounds.to_csv(p, index=False, float_format="%.6g"))
    summary = {**info, "options": vars(options), "observed_records": obs.total, "observed_days": obs.days,
               "records_outside_city": obs.outside, "converged": fit.converged, "best_round": fit.best,
               "rounds": fit.rounds, "report_delays": fit.report_delays, "crime_by_hour": fit.crime_by_hour,
               "a0_max_per_offender_day": float(fit.a0.sum(axis=0).max() * 1440)}
    text = json.dumps(summary, indent=2, default=float) + "\n"
    write_atomically(files["json"], lambda p: p.write_text(text, encoding="utf-8"))
    _figure(files["figure"], fit, obs)
    table = calibrated_table(scenario, fit, files["baseline"], out, name)
    header = (f"# calibrated by polsim calibrate from {info.get('data')} ({info.get('period')}); "
              f"{len(fit.rounds)} rounds, best {fit.best}, {'converged' if fit.converged else 'not converged'}\n"
              f"# the rounds: {files['rounds'].name}; the baseline raster: {files['baseline'].name}\n")
    write_atomically(out, lambda p: p.write_text(header + tomli_w.dumps(table), encoding="utf-8"))
    return files


def _figure(path: Path, fit: Fit, obs: Observed) -> None:
    import matplotlib.pyplot as plt

    from polsim.reports import figures

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    r = pd.DataFrame(fit.rounds)
    ax = axes[0]
    ax.plot(r["round"], r["blocks_deviance"] / r["blocks_dispersion"] / r["blocks_df"], "o-",
            label="deviance / dispersion / df")
    ax.plot(r["round"], r["blocks_expected"] / r["blocks_observed"], "s--", label="simulated / observed total")
    ax.axhline(1.0, color="0.5", ls="--", lw=0.8)
    ax.set(xlabel="round", ylabel="G / (phi df)", title="Fit over 1 km blocks x types",
           xticks=list(r["round"]))
    ax.legend(fontsize=8)
    for ax, (title, m) in zip(axes[1:], (("observed records per day", obs.counts.sum(axis=0) / obs.days),
                                         ("fitted A0 per offender-day", fit.a0.sum(axis=0) * 1440)),
                              strict=True):
        im = ax.imshow(m, cmap="magma_r", interpolation="nearest")
        ax.set(title=title, xticks=[], yticks=[])
        fig.colorbar(im, ax=ax, shrink=0.8)
    figures.save(fig, path)


def rounds_text(fit: Fit) -> str:
    """The rounds as a small plain-text table."""
    lines = ["round  observed  expected  deviance  dispersion    df  G/(phi df)  blocks p  total p  hours p  growth"]
    for r in fit.rounds:
        ratio = r["blocks_deviance"] / r["blocks_dispersion"] / r["blocks_df"]
        hp = "-" if r["hours_p_value"] is None else f"{r['hours_p_value']:.3g}"
        growth = "-" if r["growth"] is None else f"{r['growth']:.2f}"
        lines.append(f"{r['round']:>5}  {r['blocks_observed']:>8.0f}  {r['blocks_expected']:>8.0f}  "
                     f"{r['blocks_deviance']:>8.1f}  {r['blocks_dispersion']:>10.2f}  {r['blocks_df']:>4}  "
                     f"{ratio:>10.2f}  {r['blocks_p_value']:>8.3g}  {r['total_p_value']:>7.3g}  {hp:>7}  {growth:>6}")
    return "\n".join(lines)


GROWTH_WARNING = 1.15
"""Crime rising more than this from the first half of the counted days to the second."""


def warnings(fit: Fit) -> list[str]:
    """What a user should know about the fit's runs."""
    best = fit.rounds[fit.best - 1]
    out = []
    if best["growth"] is not None and best["growth"] > GROWTH_WARNING:
        out.append(f"warning: crime rose {best['growth'] - 1:.0%} from the first half of each run to the second: "
                   "the runs have not settled (raise --warmup-days, or lower field.theta if repeat "
                   "victimisation runs away at this offender density)")
    if best["blocks_dispersion"] > 5:
        out.append(f"warning: replications scatter {best['blocks_dispersion']:.0f} times more than Poisson counts "
                   "over blocks; the test is weak against such noise")
    return out
