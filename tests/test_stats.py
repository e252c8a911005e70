"""Intervals over replications: the t-interval, the paired interval and the percent change."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from polsim.measures.stats import paired_difference, paired_interval, percent_change, t_interval


def test_t_interval_matches_scipy():
    x = [3.1, 2.4, 5.0, 4.2, 3.3]
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    got = t_interval(x)
    assert (got.mean, got.low, got.high, got.n) == pytest.approx((np.mean(x), lo, hi, 5))
    assert got.half_width == pytest.approx((hi - lo) / 2)
    wider = t_interval(x, confidence=0.99)
    assert wider.low < got.low and wider.high > got.high


def test_missing_values_are_dropped_and_one_value_has_no_interval():
    assert t_interval([None, 2.0, float("nan"), 4.0]).as_dict() == pytest.approx(
        {"mean": 3.0, "ci_low": 3.0 - 12.706204736 * 1.0, "ci_high": 3.0 + 12.706204736, "n": 2})
    one = t_interval([None, 7.0])
    assert (one.mean, one.low, one.high, one.n) == (7.0, None, None, 1)
    assert not one.excludes_zero()
    assert t_interval([]).as_dict() == {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    with pytest.raises(ValueError, match="confidence"):
        t_interval([1.0, 2.0], confidence=1.0)


def test_paired_interval_is_the_interval_of_differences():
    a, b = [10.0, 11.25, 11.5, None], [9.0, 10.0, 10.5, 3.0]
    got = paired_interval(a, b)
    want = t_interval([1.0, 1.25, 1.0])
    assert (got.mean, got.low, got.high, got.n) == (want.mean, want.low, want.high, 3)
    assert got.excludes_zero()  # a consistent gain: decisive even with three pairs
    # pairing cancels the shared run-to-run variation: narrower than either sample's interval
    assert got.half_width < t_interval(a).half_width
    with pytest.raises(ValueError, match="differ in length"):
        paired_interval([1.0], [1.0, 2.0])


def test_paired_difference_adds_the_change_of_the_means_in_percent():
    a, b = [12.0, 10.0, None], [10.0, 10.0, 4.0]
    got = paired_difference(a, b)
    want = paired_interval(a, b).as_dict()
    assert {k: got[k] for k in want} == want
    assert got["pct"] == pytest.approx(100 * (11.0 / 8.0 - 1))  # the means of all present values
    assert percent_change(5.0, 0.0) is None and percent_change(None, 3.0) is None
    assert percent_change(3.0, 4.0) == pytest.approx(-25.0)


def test_share_interval_stays_inside_zero_one_and_contains_the_mean():
    """within_3 over replications once had the interval [0.971, 1.015]: a share cannot pass 1."""
    from polsim.measures.stats import share_interval

    rng = np.random.default_rng(5)
    for _ in range(200):
        n = int(rng.integers(2, 12))
        centre = rng.choice([0.02, 0.5, 0.97, 0.995])
        xs = np.clip(rng.normal(centre, 0.03, n), 0, 1).tolist()
        iv = share_interval(xs)
        assert 0.0 <= iv.low <= iv.mean <= iv.high <= 1.0
    assert t_interval([1.0, 0.96, 1.0, 0.98, 1.0]).high > 1.0  # the case the t-interval got wrong
    assert share_interval([1.0, 0.96, 1.0, 0.98, 1.0]).high < 1.0


def test_share_interval_is_wilsons_where_the_variance_is_binomial_and_t_in_the_middle():
    from scipy import stats as st

    from polsim.measures.stats import share_interval

    # n_eff = p (1 - p) / sem^2: pick replications whose sem^2 is p (1 - p) / N for N = 400
    xs = [0.90, 0.94, 0.92, 0.88, 0.96]
    iv = share_interval(xs)
    p, sem = float(np.mean(xs)), float(np.std(xs, ddof=1)) / np.sqrt(len(xs))
    z = st.t.ppf(0.975, len(xs) - 1)
    n_eff = p * (1 - p) / sem**2
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z / (1 + z * z / n_eff) * np.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff**2))
    assert (iv.low, iv.high) == pytest.approx((centre - half, centre + half), rel=1e-12)
    # far from the bounds, with a small sem, it is the t-interval
    mid = [0.5, 0.52, 0.48, 0.51, 0.49]
    assert (share_interval(mid).low, share_interval(mid).high) == pytest.approx(
        (t_interval(mid).low, t_interval(mid).high), abs=2e-4)
    assert share_interval([0.7, 0.7, 0.7]) == t_interval([0.7, 0.7, 0.7])
