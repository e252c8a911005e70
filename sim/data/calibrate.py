"""Fit a scenario to a period of records: baseline field, hourly profile, type mix, report delays.

1. **Start.** The baseline ``a0[type, row, col]`` starts from the records' counts on the
   lattice's cells (or, with ``bandwidth_m`` > 0, their Gaussian kernel density, normalised
   over passable cells so that the edges and blocked land lose nothing). Offenders walk towards attractive cells,
   so a cell's crime grows faster than its attractiveness: on the biased walk the share of
   time spent at cell i is proportional to ``A_i W_i`` (W: the summed attractiveness of its
   neighbours), so its crime rate goes as ``A_i^2 W_i``; the start solves that for A by
   fixed-point iteration, then scales A so the expected total matches the data's.
   Each cell's type mix is the records', by type.
2. **Rounds.** Run the scenario (replications, on Dask) and compare simulated with observed
   counts over ``block_m`` blocks x types, and the totals, with the tests of
   :mod:`polsim.data.agreement`. Stop when both agree (p >= ``alpha``) and ``min_rounds`` have
   run, or after ``rounds``.
   Otherwise adjust: each type's layer by its observed/simulated total, and each block by
   its ratio (after the global one) to the power ``damping / k`` in round k (a block's crime
   grows faster than linearly in its attractiveness, hence a power below 1; the simulated
   counts are noisy, hence steps that shrink, as in Robbins & Monro's stochastic
   approximation); with times, the hourly profile by observed/simulated counts by hour.
3. **Result.** The best round's baseline (the last that agrees, else the highest p-value), the hourly profile, and each
   type's report delay where the data has the time of the crime and of the call (its mean: the
   model's delay is exponential, whose maximum-likelihood mean is the sample mean).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

from polsim.data.agreement import FitTest, block_sums, fit_test, total_test
from polsim.data.baseline_file import save_baseline
from polsim.data.observed import Observed
from polsim.data.runs import SimCounts, simulate
from polsim.engine.settled_start import neighbour_sum, walk_stationary

FIT_EXPOSURE_MULTIPLE = 2.0
"""Simulated days a round runs (replications x days) per observed day, by default: each 500 m
block's update divides its observed by its simulated count, so the simulated count must not be
noisier than the data's own."""


@dataclass(frozen=True)
class FitOptions:
    """How the fit runs (the ``polsim calibrate`` options)."""

    rounds: int = 8
    replications: int = 4
    days: float = 7.0
    warmup_days: float = 2.0
    bandwidth_m: float = 0.0
    """No kernel by default: the back-test ranks 500 m blocks, and a kernel puts crime on the cells
    with no records around the ones with many, whose ranks then no longer tie at zero with the
    cells where the next period has none either (docs/calibration.md)."""
    block_m: float = 500.0
    """The back-test's finest scale (:data:`polsim.data.backtest.SCALES_M`): updates over coarser
    blocks leave the cell-scale distortions of the walk (offenders fleeing a crime, patrols'
    deterrence) in the fitted map."""
    alpha: float = 0.05
    damping: float = 0.5
    first_seed: int = 1
    min_rounds: int = 4
    """Rounds run even when the test agrees earlier: the test pools the many sparse 500 m blocks
    into one bin, so it agrees before the updates have corrected the cells' ranking; among rounds
    that agree, the last is kept (the stochastic approximation's steps shrink, so it has averaged
    the most rounds' noise away)."""


@dataclass
class Fit:
    """The calibration's result and its rounds."""

    a0: np.ndarray
    crime_by_hour: list[float] | None
    report_delays: dict[str, dict[str, float]]
    rounds: list[dict[str, Any]] = field(default_factory=list)
    best: int = 0
    converged: bool = False
    last_runs: list[SimCounts] = field(default_factory=list)


def smooth(counts: np.ndarray, sigma_cells: float, passable: np.ndarray) -> np.ndarray:
    """Gaussian kernel density over the last two axes, renormalised over passable cells (what
    the kernel would put on blocked land or past the edge goes back to the passable cells near it);
    ``sigma_cells`` 0: the counts themselves, on the passable cells.
    """
    mask = passable.astype(float)
    if sigma_cells <= 0:
        return counts.astype(float) * mask
    cover = ndimage.gaussian_filter(mask, sigma_cells, mode="constant")
    out = np.empty_like(counts, dtype=float)
    for k in range(counts.shape[0]):
        dens = ndimage.gaussian_filter(counts[k].astype(float), sigma_cells, mode="constant")
        out[k] = np.divide(dens, cover, out=np.zeros_like(dens), where=cover > 1e-12) * mask
        if out[k].sum() > 0:
            out[k] *= counts[k].sum() / out[k].sum()
    return out


def _neighbour_sum(a: np.ndarray) -> np.ndarray:
    return neighbour_sum(a, periodic=False)


def walk_occupancy(a: np.ndarray) -> np.ndarray:
    """Stationary share of time at each cell of the walk that steps to a neighbour in
    proportion to its attractiveness (:func:`polsim.engine.settled_start.walk_stationary`, hard edges).
    """
    return walk_stationary(a, periodic=False)


START_FLOOR = 1e-3
"""The start's crime rate at a cell without records, as a share of the mean cell's."""


def initial_baseline(rate: np.ndarray, passable: np.ndarray, offenders: int, mean_hour_factor: float,
                     iterations: int = 40) -> np.ndarray:
    """``a0[type, row, col]`` (crimes per offender-minute) whose expected crimes per day on the
    walk match ``rate[type, row, col]`` (crimes per day); see the module docstring.
    """
    total = rate.sum(axis=0)
    # a floor keeps every passable cell open to the walk (at 1e-6 the walk's traps around busy
    # cells held offenders there, repeat victimisation ran away: 344 crimes a day rose to 5,300)
    floor = START_FLOOR * total[passable].mean() if passable.any() else 0.0
    target = (total + floor) * passable
    a = np.cbrt(target)
    for _ in range(iterations):  # A^2 W(A) = target: A = sqrt(target / W)
        w = _neighbour_sum(a)
        a = np.sqrt(np.divide(target, w, out=np.zeros_like(target), where=w > 0))
        a /= a.max() if a.max() > 0 else 1.0
    per_offender_day = 1440.0 * mean_hour_factor * _walk_crime(a)
    scale = rate.sum() / (max(offenders, 1) * per_offender_day) if per_offender_day > 0 else 0.0
    mix = np.divide(rate, total, out=np.full_like(rate, 1.0 / rate.shape[0]), where=total > 0)
    return scale * a * mix


def block_cells(cell_m: float, block_m: float) -> int:
    """Cells to a side of a block of about ``block_m`` metres (at least one)."""
    return max(1, int(round(block_m / cell_m)))


def round_fit_tests(obs: Observed, runs: list[SimCounts], block: int) -> tuple[FitTest, FitTest | None]:
    """The block x type test, and the hour test when the data has times."""
    reps = np.stack([block_sums(r.crimes, block) for r in runs])
    spatial = fit_test(block_sums(obs.counts, block), reps, obs.days, runs[0].days)
    hourly = None
    if obs.by_hour is not None:
        hourly = fit_test(obs.by_hour.sum(axis=1), np.stack([r.by_hour.sum(axis=1) for r in runs]),
                          obs.days, runs[0].days)
    return spatial, hourly


def adjust(a0: np.ndarray, obs: Observed, runs: list[SimCounts], block: int, damping: float) -> np.ndarray:
    """One round's update of the baseline (see the module docstring)."""
    scale = obs.days / (len(runs) * runs[0].days)
    sim = np.sum([r.crimes for r in runs], axis=0) * scale
    by_type = np.divide(obs.counts.sum(axis=(1, 2)) + 0.5, sim.sum(axis=(1, 2)) + 0.5)
    o_b = block_sums(obs.counts.sum(axis=0), block)
    s_b = block_sums(sim.sum(axis=0), block)
    ratio = ((o_b + 1.0) / (s_b + 1.0)) / ((o_b.sum() + 1.0) / (s_b.sum() + 1.0))
    cells = np.kron(ratio, np.ones((block, block)))[: a0.shape[1], : a0.shape[2]]
    moved = a0 * cells[None] ** damping
    # a block's change also moves offenders (the walk follows A), so the total would drift
    # with the reshaping; keep the walk's expected total, then apply the types' own ratios
    moved *= _walk_crime(a0.sum(axis=0)) / max(_walk_crime(moved.sum(axis=0)), 1e-300)
    return moved * by_type[:, None, None]


def _walk_crime(a: np.ndarray) -> float:
    """Crimes per offender-minute on the walk at attractiveness ``a`` (no police, no B)."""
    return float((walk_occupancy(a) * a).sum())


def adjust_hours(profile: np.ndarray, obs: Observed, runs: list[SimCounts]) -> np.ndarray:
    """The hourly profile times observed/simulated by hour, scaled to a mean of 1."""
    o = obs.by_hour.sum(axis=1) + 0.5
    s = np.sum([r.by_hour.sum(axis=1) for r in runs], axis=0) * obs.days / (len(runs) * runs[0].days) + 0.5
    new = profile * (o / o.sum()) / (s / s.sum())
    return new / new.mean()


def report_delays(obs: Observed) -> dict[str, dict[str, float]]:
    """Mean report delay by type, with its standard error and count (types with 5+ records)."""
    out: dict[str, dict[str, float]] = {}
    delays = obs.delays
    if "report_delay_min" not in delays or delays["report_delay_min"].isna().all():
        return out
    for t, d in delays.groupby("type")["report_delay_min"]:
        d = d.dropna().to_numpy()
        if d.size >= 5:
            out[str(t)] = {"mean": float(d.mean()), "se": float(d.std(ddof=1) / np.sqrt(d.size)), "n": int(d.size)}
    return out




def fit(scenario: str, spec, city, obs: Observed, options: FitOptions, workdir: Path,
        client: Any = None, progress: bool = True) -> Fit:
    """Calibrate ``scenario`` to ``obs`` (see the module docstring); round files go to ``workdir``."""
    from tqdm import tqdm

    passable = city.passable
    sigma = options.bandwidth_m / city.cell_m
    profile = np.asarray(spec.field.crime_by_hour, float)
    timed = obs.by_hour is not None
    if timed:
        hours = obs.by_hour.sum(axis=1) + 0.5
        profile = hours / hours.mean()
    rate = smooth(obs.counts, sigma, passable) / obs.days
    a0 = initial_baseline(rate, passable, spec.offenders.count, float(profile.mean()))
    block = block_cells(city.cell_m, options.block_m)
    seeds = list(range(options.first_seed, options.first_seed + options.replications))
    result = Fit(a0, profile.tolist() if timed else None, report_delays(obs))
    best_score = -np.inf
    bar = tqdm(range(1, options.rounds + 1), unit="round", desc="calibrate", disable=not progress)
    for k in bar:
        started = time.perf_counter()
        path = workdir / f"round_{k}.npz"
        save_baseline(path, a0, obs.types)
        overrides: dict[str, Any] = {"field.baseline": str(path.resolve())}
        if timed:
            overrides["field.crime_by_hour"] = [float(v) for v in profile]
        runs = simulate(scenario, overrides, seeds, options.days, options.warmup_days, client)
        spatial, hourly = round_fit_tests(obs, runs, block)
        p_total = total_test(obs.total, np.array([r.crimes.sum() for r in runs]), obs.days, runs[0].days)
        p = min(spatial.p_value, p_total, hourly.p_value if hourly else 1.0)
        first, second = np.sum([r.halves for r in runs], axis=0)
        row = {"round": k, **{f"blocks_{key}": v for key, v in spatial.as_dict().items()},
               "total_p_value": p_total, "hours_p_value": hourly.p_value if hourly else None,
               "growth": float(second / first) if first else None, "seconds": time.perf_counter() - started}
        result.rounds.append(row)
        score = p if p > 0 else -spatial.deviance / spatial.dispersion / spatial.df
        if p >= options.alpha:
            score = 1.0 + k  # agreeing rounds: the last
        if score > best_score:
            best_score, result.best, result.a0, result.last_runs = score, k, a0.copy(), runs
            result.crime_by_hour = profile.tolist() if timed else None
        bar.set_postfix(p=f"{p:.3g}", dev_df=f"{spatial.deviance / spatial.dispersion / spatial.df:.2f}")
        result.converged = result.converged or p >= options.alpha
        if result.converged and k >= options.min_rounds:
            break
        # Robbins-Monro: the simulated counts are noisy, so the steps shrink as 1/k and the
        # baseline settles instead of chasing each round's noise
        a0 = adjust(a0, obs, runs, block, options.damping / k)
        if timed:
            profile = adjust_hours(profile, obs, runs)
    bar.close()
    return result
