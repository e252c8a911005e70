"""The Weighted Displacement Quotient against hand calculations, undefined cases, and areas."""

from __future__ import annotations

import numpy as np
import pytest

from polsim.displacement import (
    DIFFUSION,
    DISPLACEMENT,
    NEITHER,
    UNDEFINED,
    AreaCounts,
    area_counts,
    buffer_ring,
    control_area,
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


def test_buffer_ring_is_a_disc_around_treated_cells():
    treated = np.zeros((9, 9), bool)
    treated[4, 4] = True
    ring = buffer_ring(treated, 2)
    assert not ring[4, 4]
    assert ring[4, 6] and ring[2, 4] and ring[3, 3] and ring[5, 5]  # distances 2, 2, 1.41, 1.41
    assert not ring[2, 2] and not ring[4, 7]  # distances 2.83 and 3
    assert ring.sum() == 12  # cells with 0 < |d| <= 2 on the lattice: 4 + 4 + 4
    assert not buffer_ring(np.zeros((5, 5), bool), 3).any()
    assert not buffer_ring(treated, 0).any()


def test_buffer_ring_respects_within_mask():
    treated = np.zeros((5, 5), bool)
    treated[2, 2] = True
    within = np.ones((5, 5), bool)
    within[2, 3] = False
    ring = buffer_ring(treated, 1, within)
    assert not ring[2, 3] and ring[2, 1]


def test_control_area_is_the_rest_with_optional_gap():
    treated = np.zeros((1, 10), bool)
    treated[0, 0] = True
    ring = buffer_ring(treated, 2)
    assert ring[0].tolist() == [False, True, True] + [False] * 7
    control = control_area(treated, ring)
    assert control[0].tolist() == [False] * 3 + [True] * 7
    gapped = control_area(treated, ring, gap=2)
    assert gapped[0].tolist() == [False] * 5 + [True] * 5
    within = np.ones((1, 10), bool)
    within[0, 9] = False
    assert not control_area(treated, ring, within)[0, 9]


def test_area_counts_sums_rasters_and_types():
    before = np.arange(2 * 3 * 3).reshape(2, 3, 3)
    after = np.ones((3, 3))
    treated = np.zeros((3, 3), bool)
    treated[1, 1] = True
    ring = buffer_ring(treated, 1.5)  # the 8 neighbours (diagonals at 1.41)
    control = control_area(treated, ring)
    k = area_counts(before, after, treated, ring, control)
    flat = before.sum(axis=0)
    assert k.a_before == flat[1, 1] and k.a_after == 1
    assert k.b_before == flat.sum() - flat[1, 1] and k.b_after == 8
    assert k.c_before == 0 and k.c_after == 0
    with pytest.raises(ValueError, match="treated area overlaps the buffer"):
        area_counts(before, after, treated, treated, control)
