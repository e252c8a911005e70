"""Intervals over replications: the t-interval, the paired interval and the percent change."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from polsim.stats import paired_difference, paired_interval, percent_change, t_interval


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
