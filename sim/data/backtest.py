"""Back-test: the calibrated model against a period the fit never saw, beside a naive forecast.

The naive forecast is the training period's own counts, scaled to the test period's days
(what a planner would assume without a model). Simulated counts are ``replications`` runs of
``days`` days each, scaled the same way. For each measure the report gives the simulation's
mean with a 95% interval over replications; totals also get a 95% prediction interval for
one period (``mean +- 1.96 sqrt(phi mean + se^2)``, phi the replications' dispersion), which
is what an observed count should fall in if the model is right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from polsim.data.agreement import block_sums, dispersion, hit_rate, ks_distance, pai, spearman
from polsim.data.calibrate import block_cells
from polsim.data.observed import Observed
from polsim.data.runs import SimCounts
from polsim.measures.stats import t_interval

SCALES_M = (500.0, 1000.0)
"""The block sizes the spatial agreement is measured at."""
EXPOSURE_MULTIPLE = 4.0
"""Simulated days a back-test runs (replications x days) per day of the training period, by default.
The calibrated model's mean is the training map plus its own noise: at four times the training
data's exposure that noise costs the ranking of 500 m blocks little against the naive forecast's
(docs/calibration.md, "Exposure"); at one times it costs several hundredths of Spearman."""
QUANTILES = (0.5, 0.75, 0.9, 0.95)
TOP_SHARE = 0.05


@dataclass
class Backtest:
    """Every number of a back-test, and the rasters its figures draw."""

    totals: list[dict[str, Any]]
    hours: list[dict[str, Any]] | None
    spatial: list[dict[str, Any]]
    response: list[dict[str, Any]]
    maps: dict[str, np.ndarray] = field(default_factory=dict)
    samples: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def _interval(values: np.ndarray) -> dict[str, float | None]:
    iv = t_interval(list(map(float, values)))
    return {"sim_mean": iv.mean, "sim_ci_low": iv.low, "sim_ci_high": iv.high}


def _predicted(values: np.ndarray, phi: float) -> dict[str, float]:
    mean = float(values.mean())
    se2 = float(values.var(ddof=1) / values.size) if values.size > 1 else 0.0
    half = 1.96 * np.sqrt(max(phi * mean, 0.0) + se2)
    return {"pred_low": max(mean - half, 0.0), "pred_high": mean + half}


def totals(test: Observed, train: Observed, runs: list[SimCounts]) -> list[dict[str, Any]]:
    """Crimes by type (and in all): observed, simulated (interval), naive."""
    scale = test.days / runs[0].days
    counts = np.stack([r.crimes.sum(axis=(1, 2)) for r in runs])
    phi = dispersion(counts)  # of the types' totals, per run: what one period's count scatters by
    reps = counts * scale
    naive = train.counts.sum(axis=(1, 2)) * test.days / train.days
    observed = test.counts.sum(axis=(1, 2))
    rows = []
    for k, name in enumerate([*test.types, "total"]):
        sim = reps[:, k] if name != "total" else reps.sum(axis=1)
        obs = observed[k] if name != "total" else observed.sum()
        nv = naive[k] if name != "total" else naive.sum()
        rows.append({"metric": f"crimes.by_type.{name}" if name != "total" else "crimes.total",
                     "observed": float(obs), **_interval(sim), **_predicted(sim, phi), "naive": float(nv)})
    return rows


def hours(test: Observed, train: Observed, runs: list[SimCounts]) -> list[dict[str, Any]] | None:
    """Crimes by hour of day (data with times): observed, simulated (interval), naive."""
    if test.by_hour is None:
        return None
    scale = test.days / runs[0].days
    reps = np.stack([r.by_hour.sum(axis=1) for r in runs]) * scale
    naive = train.by_hour.sum(axis=1) * test.days / train.days if train.by_hour is not None else np.full(24, np.nan)
    obs = test.by_hour.sum(axis=1)
    return [{"hour": h, "observed": float(obs[h]), **_interval(reps[:, h]), "naive": float(naive[h])}
            for h in range(24)]


def _blocks(counts: np.ndarray, block: int, valid: np.ndarray) -> np.ndarray:
    out = block_sums(counts, block).astype(float)
    out[~valid] = np.nan
    return out


def spatial(test: Observed, train: Observed, runs: list[SimCounts], passable: np.ndarray,
            cell_m: float) -> list[dict[str, Any]]:
    """Rank correlation, hit rate and PAI of the top 5% of blocks, at 500 m and 1 km."""
    rows = []
    for metres in SCALES_M:
        block = block_cells(cell_m, metres)
        valid = block_sums(passable.astype(int), block) > 0
        obs = _blocks(test.counts.sum(axis=0), block, valid)
        naive = _blocks(train.counts.sum(axis=0), block, valid)
        reps = [_blocks(r.crimes.sum(axis=0), block, valid) for r in runs]
        mean = np.mean(reps, axis=0)
        for name, measure in (("spearman", spearman), ("hit_rate_top5", _hit), ("pai_top5", _pai)):
            rows.append({"scale_m": block * cell_m, "measure": name, "blocks": int(valid.sum()),
                         "simulated": measure(mean, obs), **_interval(np.array([measure(r, obs) for r in reps])),
                         "naive": measure(naive, obs)})
    return rows


def _hit(forecast: np.ndarray, observed: np.ndarray) -> float:
    return hit_rate(forecast, observed, TOP_SHARE)


def _pai(forecast: np.ndarray, observed: np.ndarray) -> float:
    return pai(forecast, observed, TOP_SHARE)


def response(test: Observed, runs: list[SimCounts]) -> tuple[list[dict[str, Any]], dict]:
    """Response-time parts (data with times): quantiles observed and simulated, KS distance."""
    rows, samples = [], {}
    d = test.delays
    if d.empty:
        return rows, samples
    calls = d[~d["self_initiated"].astype(bool)]
    for part in ("response_min", "dispatch_min", "travel_min"):
        obs = calls[part].dropna().to_numpy(float)
        sim = np.concatenate([getattr(r, part) for r in runs])
        sim = sim[np.isfinite(sim)]
        if obs.size < 10 or sim.size < 10:
            continue
        row = {"metric": part, "observed_n": int(obs.size), "simulated_n": int(sim.size),
               "ks_distance": ks_distance(sim, obs)}
        for q in QUANTILES:
            row[f"observed_q{int(q * 100)}"] = float(np.quantile(obs, q))
            row[f"simulated_q{int(q * 100)}"] = float(np.quantile(sim, q))
        rows.append(row)
        samples[part] = (obs, sim)
    return rows, samples


def backtest(test: Observed, train: Observed, runs: list[SimCounts], passable: np.ndarray,
             cell_m: float) -> Backtest:
    """Every measure of the back-test (see the module docstring)."""
    scale = test.days / runs[0].days
    sim_map = np.mean([r.crimes.sum(axis=0) for r in runs], axis=0) * scale
    obs_map = test.counts.sum(axis=0)
    naive_map = train.counts.sum(axis=0) * test.days / train.days
    rt, samples = response(test, runs)
    maps = {"observed": obs_map, "simulated": sim_map, "naive": naive_map}
    return Backtest(totals(test, train, runs), hours(test, train, runs), spatial(test, train, runs, passable, cell_m),
                    rt, maps, samples)
