"""Runs that start settled (``offenders.start = "settled"``): the walk's stationary distribution,
the field's balance, the burn-in's stopping rule, backend equality, and growth near 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from polsim import PolicingModel
from polsim.engine.settled_start import (
    MIN_BLOCKS,
    MIN_DECAY_TIMES,
    draw_cells,
    field_balance,
    lag_blocks,
    settled,
    walk_stationary,
)
from polsim.output import summary_json
from polsim.rules.field import update_field
from polsim.scenario import ScenarioError, load_scenario
from tests.conftest import small_model


def _transition_matrix(weight: np.ndarray, periodic: bool) -> np.ndarray:
    """The walk's one-step matrix built cell by cell, as ``polsim.rules.offender.walk`` steps."""
    rows, cols = weight.shape
    n = rows * cols
    p = np.zeros((n, n))
    for r in range(rows):
        for c in range(cols):
            nbrs = []
            for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                nr, nc = r + dr, c + dc
                if periodic:
                    nr, nc = nr % rows, nc % cols
                elif not (0 <= nr < rows and 0 <= nc < cols):
                    continue
                nbrs.append(nr * cols + nc)
            w = np.array([weight.ravel()[k] for k in nbrs])
            if w.sum() == 0:
                p[r * cols + c, r * cols + c] = 1.0
                continue
            for k, wk in zip(nbrs, w, strict=True):
                p[r * cols + c, k] += wk / w.sum()
    return p


@pytest.mark.parametrize("periodic", [False, True])
def test_walk_stationary_is_stationary_under_the_walk(periodic):
    rng = np.random.default_rng(3)
    weight = rng.random((7, 9)) ** 3
    weight[2, 3:6] = 0.0  # blocked cells: weight 0, never entered
    pi = walk_stationary(weight, periodic)
    p = _transition_matrix(weight, periodic)
    np.testing.assert_allclose(pi.ravel() @ p, pi.ravel(), rtol=1e-12, atol=1e-15)
    assert pi.sum() == pytest.approx(1.0)
    assert (pi[2, 3:6] == 0).all()


@pytest.mark.parametrize("periodic", [False, True])
def test_field_balance_is_a_fixed_point_of_the_engine_field_rule(periodic):
    """B from the balance, stepped by the engine's own update with the source added, is B again."""
    rng = np.random.default_rng(5)
    passable = rng.random((12, 10)) > 0.15
    source = rng.random((12, 10)) * passable * 1e-4
    eta, decay = 0.3, 0.97
    b = field_balance(source, passable, eta, decay, periodic)
    out = np.zeros_like(b)
    update_field(b, out, np.zeros(0, np.int64), np.zeros(0, np.int64), passable, eta, decay, 0.0, periodic)
    np.testing.assert_allclose(out + source * passable, b, rtol=1e-10, atol=1e-18)
    assert field_balance(source, passable, eta, 1.0, periodic) is None  # nothing decays: no balance


def test_draw_cells_follows_pi_and_never_picks_a_cell_without_weight():
    pi = np.zeros((4, 5))
    pi[0, 0], pi[1, 2], pi[3, 4] = 0.5, 0.3, 0.2
    r, c = draw_cells(pi, 20_000, np.random.default_rng(1))
    counts = np.zeros_like(pi)
    np.add.at(counts, (r, c), 1)
    assert counts[pi == 0].sum() == 0
    share = counts / counts.sum()
    np.testing.assert_allclose(share[pi > 0], pi[pi > 0], atol=0.015)


def test_burn_in_stops_only_when_flat_a_decay_time_apart():
    lag = 3
    flat = [1000] * max(lag + MIN_BLOCKS, MIN_DECAY_TIMES * lag)
    assert settled(flat, lag)
    assert not settled(flat[:-1], lag)  # too few blocks
    rising = [1000 + 30 * k for k in range(len(flat))]
    assert not settled(rising, lag)  # 180 in 2,000 over the lag: beyond 2% and one standard error
    small = [30, 25, 35, 28, 33, 26, 31, 29, 32]  # Poisson noise at small counts: within one SE
    assert settled(small, lag)
    assert lag_blocks(1 / (5 * 1440)) == 5 and lag_blocks(1.0) == 1 and lag_blocks(0.0) == 30


def test_homes_is_the_default_and_settled_is_not_allowed_in_short2008_mode():
    assert load_scenario("default").spec.offenders.start == "homes"
    with pytest.raises(ScenarioError, match="offenders.start"):
        load_scenario("default", {"offenders.start": "settled", "offenders.model": "short2008"})
    with pytest.raises(ScenarioError, match="offenders.start"):
        load_scenario("default", {"offenders.start": "everywhere"})


QUICK_SETTLE = {"time.step_minutes": 5.0, "field.omega_per_min": 1.0 / 1440}
"""B decays in a day and steps are 5 minutes: the burn-in takes five days of 288 steps."""


def test_a_homes_run_says_nothing_of_a_start_and_keeps_its_homes():
    homes = small_model(4, extra=QUICK_SETTLE)
    settled_run = small_model(4, extra={**QUICK_SETTLE, "offenders.start": "settled"})
    assert "start" not in homes.summary()
    start = settled_run.summary()["start"]
    assert start["start"] == "settled" and start["converged"]
    assert start["burn_in_days"] == len(start["block_crimes"]) >= 5  # whole days: lag 1 + 4 blocks
    # the homes come from the placement stream as before; only the cells they stand on differ
    key = np.lexsort((homes.offenders.home_c, homes.offenders.home_r))
    key_s = np.lexsort((settled_run.offenders.home_c, settled_run.offenders.home_r))
    np.testing.assert_array_equal(homes.offenders.home_r[key], settled_run.offenders.home_r[key_s])
    assert not np.array_equal(np.sort(homes.offenders.r), np.sort(settled_run.offenders.r))


def test_settled_start_is_identical_on_both_backends():
    extra = {**QUICK_SETTLE, "offenders.start": "settled"}
    numba = small_model(6, "numba", extra=extra)
    mesa = small_model(6, "mesa", extra=extra)
    np.testing.assert_array_equal(numba.field.b, mesa.field.b)
    numba.run()
    mesa.run()
    a, b = numba.summary(), mesa.summary()
    a.pop("backend")
    b.pop("backend")
    assert summary_json(a) == summary_json(b)
    np.testing.assert_array_equal(numba.offenders.r, mesa.offenders.r)
    assert pd.DataFrame(numba.incident_table()).equals(pd.DataFrame(mesa.incident_table()))


GATHERING = {
    "city.rows": 60, "city.cols": 60, "city.centres": 1, "field.land_use_weight.commercial": 10.0,
    "offenders.count": 600, "time.step_minutes": 5.0, "time.days": 2.0, "guardians.volunteers": 0,
    "guardians.grid_workers_per_grid": 0, "city.cameras": 0, "disputes.per_day": 0.0,
    **{f"units.{kind}.count": 0 for kind in ("patrol_car", "strike_vehicle", "motorcycle_squad",
                                            "community_officer", "fixed_post", "drone")},
}
"""A 6 x 6 km city whose crime gathers on one commercial centre far from most homes; no police
and no guardians, so the burn-in's rules are the run's (whole days: the halves see the same hours)."""


def _halves(model: PolicingModel) -> tuple[int, int]:
    model.run(steps=model.max_steps // 2)
    first = int(model.metrics.crimes_by_cell.sum())
    model.run()
    return first, int(model.metrics.crimes_by_cell.sum()) - first


def _pooled_growth(overrides: dict, seeds: range) -> tuple[float, float]:
    """Crime in the second half over the first, pooled over ``seeds``, and its standard error
    (Poisson counts: the ratio's relative SE is sqrt(1/first + 1/second)).
    """
    halves = np.array([_halves(PolicingModel("default", seed=s, overrides=overrides)) for s in seeds])
    first, second = halves.sum(axis=0)
    growth = second / first
    return float(growth), float(growth * np.sqrt(1 / first + 1 / second))


@pytest.mark.slow
def test_growth_is_near_one_when_settled_and_not_from_homes():
    """One 2-day run has ~250 crimes a half: its growth has a 9% standard error, so the check
    pools sixteen seeds (a 2.2% standard error) and allows three (1 +- 0.07 settled
    would still fail a drift like the homes start's 1.28)."""
    homes, homes_se = _pooled_growth(GATHERING, range(1, 17))
    settled_growth, settled_se = _pooled_growth({**GATHERING, "offenders.start": "settled"}, range(1, 17))
    assert homes > 1.0 + 3 * homes_se
    assert abs(settled_growth - 1.0) < 3 * settled_se


def test_growth_compares_whole_days_so_the_hourly_profile_cancels():
    from polsim.data.runs import halves_steps

    assert halves_steps(7 * 288, 5.0) == 3 * 288  # 7 days: days 1-3 against days 5-7
    assert halves_steps(4 * 1440, 1.0) == 2 * 1440
    assert halves_steps(1440, 1.0) == 720  # under two days: plain halves
