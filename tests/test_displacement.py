"""The Weighted Displacement Quotient against hand calculations, undefined cases, pooling over seeds."""

from __future__ import annotations

import numpy as np
import pytest

from polsim.measures.displacement import (
    DIFFUSION,
    DISPLACEMENT,
    NEITHER,
    UNDEFINED,
    AreaCounts,
    pooled_displacement,
    weighted_displacement,
)


def test_displacement_hand_calculation():
    # A: 50 -> 30, B: 40 -> 48, C: 200 -> 200.
    # S = 30/200 - 50/200 = -0.10; D = 48/200 - 40/200 = +0.04; WDQ = 0.04 / -0.10 = -0.4
    # TNE = (50*1 - 30) + (40*1 - 48) = 20 - 8 = 12
    d = weighted_displacement(AreaCounts(50, 30, 40, 48, 200, 200))
    assert d.success == pytest.approx(-0.10)
    assert d.buffer_measure == pytest.approx(0.04)
    assert d.wdq == pytest.approx(-0.4)
    assert d.total_net_effect == pytest.approx(12)
    assert d.verdict == DISPLACEMENT
    assert "smaller than the direct effect" in d.reason


def test_diffusion_hand_calculation_with_control_trend():
    # C grows 100 -> 125 (trend 1.25). A: 20 -> 10, B: 30 -> 25.
    # S = 10/125 - 20/100 = 0.08 - 0.20 = -0.12; D = 25/125 - 30/100 = 0.20 - 0.30 = -0.10
    # WDQ = -0.10 / -0.12 = 0.8333...; TNE = (20*1.25 - 10) + (30*1.25 - 25) = 15 + 12.5 = 27.5
    d = weighted_displacement(AreaCounts(20, 10, 30, 25, 100, 125))
    assert d.success == pytest.approx(-0.12)
    assert d.buffer_measure == pytest.approx(-0.10)
    assert d.wdq == pytest.approx(0.10 / 0.12)
    assert d.total_net_effect == pytest.approx(27.5)
    assert d.verdict == DIFFUSION


def test_displacement_larger_than_direct_effect_is_net_harm():
    # S = 40/100 - 50/100 = -0.1; D = 40/100 - 20/100 = 0.2; WDQ = -2
    d = weighted_displacement(AreaCounts(50, 40, 20, 40, 100, 100))
    assert d.wdq == pytest.approx(-2.0)
    assert d.verdict == DISPLACEMENT and "net harm" in d.reason
    assert d.total_net_effect == pytest.approx(10 - 20)


def test_unchanged_buffer_is_neither():
    d = weighted_displacement(AreaCounts(50, 30, 40, 40, 200, 200))
    assert d.wdq == 0.0 and d.verdict == NEITHER


def test_tolerance_treats_small_buffer_change_as_none():
    counts = AreaCounts(50, 30, 40, 41, 200, 200)  # D = 0.005
    assert weighted_displacement(counts).verdict == DISPLACEMENT
    assert weighted_displacement(counts, tolerance=0.01).verdict == NEITHER


def test_no_success_is_not_interpreted():
    # The treated area got worse relative to control: WDQ computed but the verdict is neither.
    d = weighted_displacement(AreaCounts(10, 20, 10, 5, 100, 100))
    assert d.success == pytest.approx(0.1)
    assert d.wdq == pytest.approx(-0.5)
    assert d.verdict == NEITHER and "nothing to displace" in d.reason


def test_no_change_in_treated_area_is_undefined():
    # A/C the same before and after (10/100 = 20/200): S = 0, WDQ = D / 0.
    d = weighted_displacement(AreaCounts(10, 20, 10, 30, 100, 200))
    assert d.success == 0.0
    assert d.buffer_measure == pytest.approx(0.05)
    assert d.wdq is None
    assert d.verdict == UNDEFINED and "success measure 0" in d.reason


def test_no_crime_in_the_treated_area_is_undefined_and_says_so():
    d = weighted_displacement(AreaCounts(0, 0, 4, 2, 56, 64))
    assert d.wdq is None and d.verdict == UNDEFINED
    assert d.reason.startswith("no crime in the treated area before or after")
    assert d.buffer_measure == pytest.approx(2 / 64 - 4 / 56)


@pytest.mark.parametrize(("c_before", "c_after", "word"), [(0, 10, "before"), (10, 0, "after"),
                                                          (0, 0, "before and after")])
def test_zero_control_counts_are_undefined(c_before, c_after, word):
    d = weighted_displacement(AreaCounts(5, 3, 4, 4, c_before, c_after))
    assert d.verdict == UNDEFINED
    assert d.wdq is None and d.success is None and d.buffer_measure is None
    assert f"control area {word}:" in d.reason


def test_counts_must_be_finite_and_non_negative():
    with pytest.raises(ValueError, match="a_after"):
        AreaCounts(1, -1, 0, 0, 1, 1)
    with pytest.raises(ValueError, match="c_before"):
        AreaCounts(1, 1, 0, 0, float("nan"), 1)


def test_as_dict_has_no_nan():
    d = weighted_displacement(AreaCounts(10, 20, 10, 30, 100, 200)).as_dict()
    assert d["wdq"] is None and d["verdict"] == UNDEFINED and d["a_before"] == 10


def test_pooled_sums_counts_and_needs_decisive_intervals():
    seeds = [AreaCounts(50, 30, 40, 48, 200, 200), AreaCounts(60, 35, 42, 52, 210, 205),
             AreaCounts(55, 33, 38, 47, 190, 200)]
    p = pooled_displacement(seeds)
    total = weighted_displacement(AreaCounts(165, 98, 120, 147, 600, 605))
    assert p.pooled.wdq == pytest.approx(total.wdq)
    each = [weighted_displacement(c).buffer_measure for c in seeds]
    assert p.buffer_measure.mean == pytest.approx(np.mean(each))
    assert p.buffer_measure.low > 0 and p.success.high < 0
    assert p.verdict == DISPLACEMENT


def test_pooled_is_neither_when_the_buffer_interval_spans_zero():
    seeds = [AreaCounts(50, 30, 40, 48, 200, 200), AreaCounts(50, 30, 40, 33, 200, 200)]
    p = pooled_displacement(seeds)
    assert p.buffer_measure.low < 0 < p.buffer_measure.high
    assert p.verdict == NEITHER and "includes zero" in p.reason


def test_pooled_is_neither_without_decisive_success():
    seeds = [AreaCounts(50, 30, 40, 48, 200, 200), AreaCounts(50, 60, 40, 48, 200, 200)]
    p = pooled_displacement(seeds)
    assert p.verdict == NEITHER and "not below zero" in p.reason
