"""Closed-form queueing results the dispatch centre is checked against.

Erlang C gives, for an M/M/c queue (Poisson calls at rate ``lam``, exponential service at
rate ``mu`` per unit, ``c`` identical units), the probability that a call has to wait and
the mean wait in queue. Pollaczek-Khinchine gives the mean wait of an M/G/1 queue from the
first two moments of the service time.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def erlang_c(lam: float, mu: float, c: int) -> float:
    """P(wait > 0) in an M/M/c queue; needs ``lam < c * mu`` (a stable queue)."""
    a = lam / mu
    if not 0 < a < c:
        raise ValueError(f"offered load lam/mu = {a:.3f} must be in (0, c = {c})")
    # Erlang B by its stable recursion, then C from B.
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1.0 - rho + rho * b)


def erlang_c_mean_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue W_q = C(c, a) / (c mu - lam) of an M/M/c queue."""
    return erlang_c(lam, mu, c) / (c * mu - lam)


def pollaczek_khinchine_wait(lam: float, s1: float, s2: float) -> float:
    """Mean wait in queue of an M/G/1 queue: lam E[S^2] / (2 (1 - lam E[S]))."""
    rho = lam * s1
    if not 0 <= rho < 1:
        raise ValueError(f"load lam E[S] = {rho:.3f} must be below 1")
    return lam * s2 / (2.0 * (1.0 - rho))


BATCH_COUNTS = (32, 16, 8)
"""Batch counts tried by :func:`batch_means`; each halving merges adjacent batches."""
CRITICAL_T = 5.408
"""Two-sided 99.9% Student-t critical value for 8 batches (7 degrees of freedom)."""


def batch_means(values, batches: tuple[int, ...] = BATCH_COUNTS) -> tuple[float, float]:
    """Mean and a conservative standard error by batch means; compare with ``CRITICAL_T``.

    Consecutive waits are correlated over many service times, so short batches give an
    optimistic error. With 20 batches and a 3.5-SE check an ideal M/M/c queue (same window as
    the tests) showed mean-wait z-scores of SD 1.1-1.9 and false failures in 0.5-7.7% of seeds;
    reducing the batch count when the batch means' lag-1 autocorrelation is significant did not
    help (that test has little power at 20-40 batches). So the error is the largest batch-means
    SE over 32, 16 and 8 adjacent batches, and the check uses the Student-t value for the
    fewest batches (7 dof, 99.9% two-sided): ``|mean - expected| <= CRITICAL_T * se``.
    Calibrated by ``ideal_mmc_waits`` over 400 seeds per setting (tests/test_validation.py,
    slow): false failures 0-1.8%, all on the low side (short heavy-load runs are skewed). Case 3b's
    M/G/1 rows by ``ideal_mg1_waits``: false failures 0-0.75%, also all low.
    """
    out = (0.0, 0.0)
    for b in batches:
        n = len(values) // b
        if n < 2:
            raise ValueError(f"need at least {2 * b} values for {b} batch means")
        means = [sum(values[k * n:(k + 1) * n]) / n for k in range(b)]
        grand = sum(means) / b
        se = math.sqrt(sum((m - grand) ** 2 for m in means) / (b - 1) / b)
        if se >= out[1]:
            out = (sum(values) / len(values), se)
    return out


def ideal_mmc_waits(lam: float, mu: float, c: int, minutes: float, rng, warmup: float = 0.1):
    """Waits of an ideal FCFS M/M/c queue, started empty, in ``simulate_mmc``'s window.

    The reference the batch-means check is calibrated against: each call takes the earliest
    free server, so its wait is max(0, earliest free time - call time).
    """
    import heapq

    import numpy as np

    n = rng.poisson(lam * minutes)
    t = np.sort(rng.uniform(0.0, minutes, n))
    s = rng.exponential(1.0 / mu, n)
    free = [0.0] * c
    w = np.empty(n)
    for k in range(n):
        start = max(free[0], t[k])
        w[k] = start - t[k]
        heapq.heapreplace(free, start + s[k])
    lo, hi = warmup * minutes, minutes - 20.0 / (c * mu - lam) - 10.0 / mu
    return w[(t >= lo) & (t <= hi)]


def ideal_mg1_waits(lam: float, service: Callable[[np.random.Generator, int], np.ndarray],
                    service_mean: float, minutes: float, rng: np.random.Generator,
                    warmup: float = 0.1) -> np.ndarray:
    """Waits of an ideal FIFO M/G/1 queue, started empty, in ``simulate_travel``'s window.

    The reference case 3b's batch-means check is calibrated against, as ``ideal_mmc_waits`` is
    case 3's: Poisson calls at rate ``lam`` over ``minutes`` (times drawn before the services, in
    ``ideal_mmc_waits``' order, so exponential services reproduce its M/M/1 waits), service times
    ``service(rng, n)`` with mean ``service_mean``. Lindley's recursion
    W_{k+1} = max(0, W_k + S_k - A_{k+1}) with W_0 = 0 is the reflected walk
    W_k = X_k - min_{j<=k} X_j, X the cumulative sum of S - A, so it needs no Python loop.
    The window drops the first ``warmup`` of the run and, as the simulation must, the calls
    within 20 mean busy periods' worth of the end: [warmup * minutes, minutes - 20 E[S] / (1 - rho)].
    """
    n = rng.poisson(lam * minutes)
    t = np.sort(rng.uniform(0.0, minutes, n))
    s = np.asarray(service(rng, n), dtype=float)
    if n == 0:
        return np.empty(0)
    x = np.concatenate(([0.0], np.cumsum(s[:-1] - np.diff(t))))
    w = x - np.minimum.accumulate(np.minimum(x, 0.0))
    rho = lam * service_mean
    lo, hi = warmup * minutes, minutes - 20.0 * service_mean / (1.0 - rho)
    return w[(t >= lo) & (t <= hi)]
