"""Confidence intervals over replications: the Student t-interval of a mean, and for shares
in [0, 1] a Wilson score interval that stays inside.

Replications of a seeded simulation are independent draws of the same experiment, so the
mean of a metric over them has a t-interval; a policy compared with the baseline on the
same seeds (common random numbers) gets the t-interval of the paired differences, which is
far narrower than comparing two independent intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st


@dataclass(frozen=True)
class Interval:
    """A mean over ``n`` replications with its two-sided confidence interval.

    ``low``/``high`` are None when fewer than two finite values make an interval meaningless;
    ``mean`` is None when there is no finite value at all.
    """

    mean: float | None
    low: float | None
    high: float | None
    n: int

    @property
    def half_width(self) -> float | None:
        """Half the interval's width (None when there is no interval)."""
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2

    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of zero (a decisive difference)."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)

    def as_dict(self) -> dict[str, float | int | None]:
        """Plain JSON-ready values."""
        return {"mean": self.mean, "ci_low": self.low, "ci_high": self.high, "n": self.n}


def t_interval(values: Sequence[float | None], confidence: float = 0.95) -> Interval:
    """Mean and Student-t interval of the finite ``values`` (None and NaN are left out).

    A run with no incident has no response time, so a metric can be missing in a
    replication; it is dropped rather than counted as zero, and ``n`` says how many remain.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    x = np.array([v for v in values if v is not None], float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Interval(None, None, None, 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, None, None, n)
    sem = float(x.std(ddof=1)) / math.sqrt(n)
    half = float(_st.t.ppf(0.5 + confidence / 2, n - 1)) * sem
    return Interval(mean, mean - half, mean + half, n)


def share_interval(values: Sequence[float | None], confidence: float = 0.95) -> Interval:
    """Mean of shares in [0, 1] (``within_3``...) with an interval that stays inside [0, 1].

    The Wilson score interval, ``{p : (mean - p)^2 <= t^2 p (1 - p) / n_eff}``, with the
    replications' effective sample size ``n_eff = mean (1 - mean) / sem^2`` (the number of
    independent yes/no trials that would give their standard error) and the Student-t quantile
    of the t-interval. Near the middle it is the t-interval; near 0 or 1 it bends to stay
    inside, where the t-interval ran past (``within_3`` [0.971, 1.015]). It always contains
    the mean, and is the textbook Wilson interval when ``sem^2 = p (1 - p) / N``.
    """
    t = t_interval(values, confidence)
    if t.low is None or t.mean is None:
        return t
    p, half = t.mean, t.half_width
    if half == 0 or p <= 0 or p >= 1:  # every replication gave the same share
        return t
    quantile = half / math.sqrt(p * (1 - p))  # t * sem / sqrt(p (1 - p)): k = t^2 / n_eff is its square
    k = quantile * quantile
    centre = (p + k / 2) / (1 + k)
    spread = math.sqrt(k * p * (1 - p) + k * k / 4) / (1 + k)
    return Interval(p, max(0.0, centre - spread), min(1.0, centre + spread), t.n)


def paired_interval(values: Sequence[float | None], baseline: Sequence[float | None],
                    confidence: float = 0.95) -> Interval:
    """t-interval of ``values[i] - baseline[i]`` over the pairs where both are present."""
    if len(values) != len(baseline):
        raise ValueError(f"paired samples differ in length: {len(values)} vs {len(baseline)}")
    diffs = [None if v is None or b is None else v - b for v, b in zip(values, baseline, strict=True)]
    return t_interval(diffs, confidence)


def percent_change(mean: float | None, baseline_mean: float | None) -> float | None:
    """``100 * (mean / baseline_mean - 1)``, the ratio of means as the source reports quote
    changes (e.g. calls -14.61%); None without both means or with a zero baseline.
    """
    if mean is None or not baseline_mean:
        return None
    return 100.0 * (mean / baseline_mean - 1.0)


def paired_difference(values: Sequence[float | None], baseline: Sequence[float | None],
                      confidence: float = 0.95) -> dict[str, float | int | None]:
    """The paired interval of ``values - baseline`` (same seeds) and the percent change of their means."""
    diff = paired_interval(values, baseline, confidence).as_dict()
    diff["pct"] = percent_change(t_interval(values).mean, t_interval(baseline).mean)
    return diff
