"""How well counts agree: the calibration's test and the back-test's spatial measures.

**The calibration test.** Observed counts ``O_b`` over bins (500 m blocks x crime types, by
default) in a period of ``D`` days are compared with the simulated counts ``S_b`` summed over ``R``
replications of ``d`` days each. If the model is right, given ``n_b = O_b + S_b`` the
observed share is binomial with ``p = D / (D + R d)``, so the likelihood-ratio deviance

    G = 2 sum_b [ O_b ln(O_b / (n_b p)) + S_b ln(S_b / (n_b (1 - p))) ]

is chi-square with (bins - 1) degrees of freedom; the simulated mean's own noise is in it
(through ``S_b`` and ``p``). Crime clusters (repeat victimisation), so counts vary more than
Poisson: the replications give the dispersion ``phi`` (their pooled variance over mean, at
least 1) and the test uses ``G / phi`` (a quasi-Poisson test). Bins expected to hold fewer
than 5 observed records are pooled into one, as the chi-square approximation needs. The
total is tested on its own too (a z-test with the totals' own dispersion), so that a model
whose replications scatter widely cannot pass on its scatter alone.

**The back-test's measures.** Over the cells of a grid (500 m or 1 km blocks): Spearman's
rank correlation of forecast and observed counts; the share of observed crime in the 5% of
blocks the forecast ranks highest (hit rate) and the predictive accuracy index
``PAI = hit rate / area share`` (Chainey, Tompson & Uhlig 2008); Kolmogorov-Smirnov distance
between two samples of response times.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

MIN_EXPECTED = 5.0
"""Bins expected to hold fewer observed records than this are pooled into one."""


def block_sums(counts: np.ndarray, block: int) -> np.ndarray:
    """Sum the last two axes (rows, cols) over ``block x block`` cells (edge blocks may be partial)."""
    *lead, rows, cols = counts.shape
    br, bc = math.ceil(rows / block), math.ceil(cols / block)
    padded = np.zeros((*lead, br * block, bc * block), counts.dtype)
    padded[..., :rows, :cols] = counts
    return padded.reshape(*lead, br, block, bc, block).sum(axis=(-3, -1))


@dataclass(frozen=True)
class FitTest:
    """The calibration test of one round (see the module docstring)."""

    deviance: float
    dispersion: float
    df: int
    p_value: float
    bins: int
    observed: float
    expected: float

    def as_dict(self) -> dict[str, float | int]:
        """Plain values for the rounds table."""
        return asdict(self)


def dispersion(replicate_bins: np.ndarray) -> float:
    """Pooled variance over mean of the replications' bin counts (1 for Poisson; at least 1)."""
    r = replicate_bins.shape[0]
    if r < 2:
        return 1.0
    mean = replicate_bins.mean(axis=0)
    if mean.sum() <= 0:
        return 1.0
    var = ((replicate_bins - mean) ** 2).sum(axis=0) / (r - 1)
    return max(1.0, float(var.sum() / mean.sum()))


def fit_test(observed: np.ndarray, replicate_bins: np.ndarray, observed_days: float,
             simulated_days: float) -> FitTest:
    """Test observed bin counts against ``R`` replications' (shape R x bins; see the docstring)."""
    obs = np.asarray(observed, float).ravel()
    reps = np.asarray(replicate_bins, float).reshape(replicate_bins.shape[0], -1)
    sim = reps.sum(axis=0)
    p = observed_days / (observed_days + reps.shape[0] * simulated_days)
    n = obs + sim
    sparse = n * p < MIN_EXPECTED
    obs_b = np.r_[obs[~sparse], obs[sparse].sum()] if sparse.any() else obs
    sim_b = np.r_[sim[~sparse], sim[sparse].sum()] if sparse.any() else sim
    keep = obs_b + sim_b > 0
    obs_b, sim_b = obs_b[keep], sim_b[keep]
    n_b = obs_b + sim_b
    g = 2.0 * float((_xlogy(obs_b, obs_b / (n_b * p)) + _xlogy(sim_b, sim_b / (n_b * (1 - p)))).sum())
    phi = dispersion(reps)
    df = max(int(obs_b.size) - 1, 1)
    return FitTest(g, phi, df, float(stats.chi2.sf(g / phi, df)), int(obs_b.size), float(obs.sum()),
                   float(sim.sum() * p / (1 - p)))


def _xlogy(x: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """X ln(ratio), 0 where x is 0."""
    return np.where(x > 0, x * np.log(np.where(x > 0, ratio, 1.0)), 0.0)


def total_test(observed: float, replicate_totals: np.ndarray, observed_days: float, simulated_days: float) -> float:
    """Two-sided p-value of the observed total against the replications' (scaled to the observed
    days): ``z = (O - E) / sqrt(phi E + var(E))``, phi the totals' variance over mean (at least 1).
    """
    reps = np.asarray(replicate_totals, float)
    scale = observed_days / simulated_days
    mean = float(reps.mean())
    if mean <= 0:
        return 0.0 if observed > 0 else 1.0
    var = float(reps.var(ddof=1)) if reps.size > 1 else mean
    phi = max(1.0, var / mean)
    expected = mean * scale
    z = (observed - expected) / math.sqrt(phi * expected + scale**2 * var / reps.size)
    return float(2 * stats.norm.sf(abs(z)))


def spearman(forecast: np.ndarray, observed: np.ndarray) -> float:
    """Spearman's rank correlation of two rasters over the cells of ``forecast``'s mask (NaN: skip)."""
    f, o = np.asarray(forecast, float).ravel(), np.asarray(observed, float).ravel()
    keep = np.isfinite(f) & np.isfinite(o)
    if keep.sum() < 3 or np.ptp(f[keep]) == 0 or np.ptp(o[keep]) == 0:
        return float("nan")
    return float(stats.spearmanr(f[keep], o[keep]).statistic)


def top_cells(forecast: np.ndarray, share: float = 0.05) -> np.ndarray:
    """Indices (flat) of the ``share`` of cells the forecast ranks highest (at least one; NaN
    cells are not cells; ties go to the earlier cell).
    """
    f = np.asarray(forecast, float).ravel()
    valid = np.flatnonzero(np.isfinite(f))
    k = max(1, math.ceil(share * valid.size))
    order = valid[np.argsort(-f[valid], kind="stable")]
    return order[:k]


def hit_rate(forecast: np.ndarray, observed: np.ndarray, share: float = 0.05) -> float:
    """Share of observed crime inside the forecast's top ``share`` of cells."""
    o = np.asarray(observed, float).ravel()
    total = o[np.isfinite(np.asarray(forecast, float).ravel())].sum()
    return float(o[top_cells(forecast, share)].sum() / total) if total > 0 else float("nan")


def pai(forecast: np.ndarray, observed: np.ndarray, share: float = 0.05) -> float:
    """Predictive accuracy index: hit rate over the area share of the cells flagged."""
    f = np.asarray(forecast, float).ravel()
    n = int(np.isfinite(f).sum())
    flagged = top_cells(forecast, share).size
    return hit_rate(forecast, observed, share) / (flagged / n) if n else float("nan")


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance: the largest gap between the two samples' CDFs."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return float("nan")
    return float(stats.ks_2samp(a, b).statistic)
