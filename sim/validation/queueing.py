"""Closed-form queueing results the dispatch centre is checked against.

Erlang C gives, for an M/M/c queue (Poisson calls at rate ``lam``, exponential service at
rate ``mu`` per unit, ``c`` identical units), the probability that a call has to wait and
the mean wait in queue. Pollaczek-Khinchine gives the mean wait of an M/G/1 queue from the
first two moments of the service time.
"""

from __future__ import annotations

import math


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


def mean_l1_to_centre_of_square(side: float) -> float:
    """E[|X - m| + |Y - m|] for a point uniform on a square of ``side`` with centre m: side/2."""
    return side / 2.0


def batch_means(values, batches: int = 20) -> tuple[float, float]:
    """Mean and its standard error by batch means (consecutive waits are correlated)."""
    n = len(values) // batches
    if n < 2:
        raise ValueError(f"need at least {2 * batches} values for {batches} batch means")
    means = [sum(values[k * n:(k + 1) * n]) / n for k in range(batches)]
    grand = sum(means) / batches
    var = sum((m - grand) ** 2 for m in means) / (batches - 1)
    return grand, math.sqrt(var / batches)
