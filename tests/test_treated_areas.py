"""The areas of a displacement measure: treated cells from hourly shares, the buffer ring, control, counts."""

from __future__ import annotations

import numpy as np
import pytest

from polsim.measures.treated_areas import (
    AreaRule,
    PairedRun,
    area_counts,
    buffer_ring,
    control_area,
    paired_displacement,
)


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


def test_treated_cells_are_those_treated_long_enough_and_never_untreated_ones():
    share = np.array([[0.0, 0.2, 0.5], [0.49, 1.0, 0.0]])
    assert AreaRule(treated_share=0.5).treated(share).tolist() == [[False, False, True], [False, True, False]]
    # a tiny threshold is the union of every cell ever treated, and still never a cell at 0
    assert AreaRule(treated_share=1e-9).treated(share).tolist() == [[False, True, True], [True, True, False]]


def test_area_rule_draws_ring_and_control_within_the_passable_cells():
    share = np.zeros((1, 8))
    share[0, 0] = 1.0
    passable = np.ones((1, 8), bool)
    passable[0, 7] = False
    rule = AreaRule(buffer_cells=2, treated_share=0.5, control_gap=1)
    areas = rule.of(share, passable)
    assert areas.treated[0].tolist() == [True] + [False] * 7
    assert areas.buffer[0].tolist() == [False, True, True] + [False] * 5
    assert areas.control[0].tolist() == [False] * 4 + [True] * 3 + [False]  # gap of one cell, not the wall
    before, after = np.arange(8.0).reshape(1, 8), np.ones((1, 8))
    k = areas.counts(before, after)
    assert (k.a_before, k.b_before, k.c_before, k.c_after) == (0.0, 3.0, 4 + 5 + 6, 3.0)
    assert rule.as_dict() == {"buffer_width_cells": 2, "treated_share": 0.5, "control_gap_cells": 1}


def _pair(seed: int, before: float, after: float, treated: bool = True, shape=(2, 1, 6)) -> PairedRun:
    """Two crime types on a 1 x 6 strip; the run treats cell 0, ring 1-2, control 3-5."""
    share = np.zeros(shape[1:])
    share[0, 0] = 1.0 if treated else 0.0
    b, a = np.full(shape, before), np.full(shape, after)
    a[:, 0, 0] = 0.0  # crime gone from the treated cell under the policy
    return PairedRun(seed, b, a, share, np.ones(shape[1:], bool))


def test_paired_displacement_pools_the_measurable_pairs_and_says_why_the_others_are_not():
    rule = AreaRule(buffer_cells=2)
    pairs = [_pair(1, 1.0, 1.0), _pair(2, 2.0, 1.0), _pair(3, 1.0, 1.0, treated=False),
             PairedRun(4, np.ones((2, 1, 6)), np.ones((2, 1, 7)), np.ones((1, 7)), np.ones((1, 7), bool))]
    measured = paired_displacement(pairs, rule, ["robbery", "theft"])
    assert [e["seed"] for e in measured.per_seed] == [1, 2, 3, 4]
    assert measured.per_seed[2]["reason"] == "the policy treated no cells"
    assert "another grid" in measured.per_seed[3]["reason"]
    assert len(measured.counted) == 2 and measured.treated_cells == [1, 1]
    # both types summed: treated 2 -> 0 and 4 -> 0; buffer 4 -> 4 and 8 -> 4; control 6 -> 6 and 12 -> 6
    pooled = measured.pooled.pooled.counts
    assert (pooled.a_before, pooled.a_after, pooled.b_before, pooled.b_after) == (6, 0, 12, 8)
    assert sum(p.pooled.counts.c_before for p in measured.by_type.values()) == pooled.c_before == 18
    d = measured.as_dict()
    assert d["buffer_width_cells"] == 2 and d["verdict"] == measured.pooled.verdict
    assert set(d["by_type"]) == {"robbery", "theft"}
    none = paired_displacement(pairs[2:3], rule, ["robbery", "theft"]).as_dict()
    assert none["verdict"] == "undefined"
    assert none["reason"] == "no replication can be measured: the policy treated no cells"


def test_the_buffer_is_given_in_metres_and_the_old_cell_field_is_refused_with_the_migration():
    from polsim.measures.treated_areas import buffer_cells_of
    from polsim.scenario import ScenarioError, load_scenario

    spec = load_scenario("default").spec
    assert buffer_cells_of(spec.policy.buffer_m, spec.city.cell_m) == 3.0  # the old default on 100 m cells
    assert buffer_cells_of(spec.policy.buffer_m, 25.0) == 12.0  # the same 300 m on Helsinki's cells
    with pytest.raises(ScenarioError, match=r"policy.buffer_cells: replaced by policy.buffer_m"):
        load_scenario("default", {"policy.buffer_cells": 3})


def test_control_warnings_name_a_small_control_and_one_that_moved_on_its_own():
    from polsim.measures.displacement import AreaCounts
    from polsim.measures.treated_areas import CONTROL_DRIFT, control_warnings

    passable = np.ones((20, 20), bool)
    treated = np.zeros_like(passable)
    treated[8:12, 8:12] = True
    wide = AreaRule(buffer_cells=2).around(treated, passable)
    steady = AreaCounts(10, 5, 20, 22, 400, 410)
    assert control_warnings(wide, steady, passable) == []
    drifted = AreaCounts(10, 5, 20, 22, 160, 160 * (1 + CONTROL_DRIFT) + 1)
    assert [w.split(":")[0] for w in control_warnings(wide, drifted, passable)] == \
        ["the control area moved on its own"]
    narrow = AreaRule(buffer_cells=9).around(treated, passable)
    assert narrow.control.sum() < 0.25 * passable.sum()
    kinds = [w.split(":")[0] for w in control_warnings(narrow, AreaCounts(10, 5, 20, 22, 12, 12), passable)]
    assert kinds == ["small control area", "few crimes in the control area"]
