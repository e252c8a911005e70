"""Each rule on its own, against what it should do, with statistical bounds where it is random."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from scipy import stats

from polsim.rules.field import update_field
from polsim.rules.movement import GuardianMoveArgs, UnitMoveArgs, guardian_move, unit_move
from polsim.rules.offender import (
    FLEEING,
    JAILED,
    WALKING,
    OffenderArgs,
    OffenderParams,
    crime_probability,
    offender_step,
    offends,
    walk,
    walk_weights,
)
from polsim.rules.travel import DRIVE, FLY, SQRT2, edge_cost, slowness

RNG = np.random.default_rng(2024)


def test_walk_transition_frequencies_match_weights():
    """From the centre of a 3x3 patch, each neighbour is chosen in proportion to A * exp(-beta * risk)."""
    a0 = np.array([[1, 2.0, 1], [3.0, 1, 5.0], [1, 4.0, 1]]) * 1e-3
    b = np.zeros_like(a0)
    b[0, 1] = 1e-3  # B adds to A0: north weight 3e-3
    risk = np.zeros_like(a0)
    risk[2, 1] = 1.0  # police seen south: weight 4e-3 * exp(-0.7)
    passable = np.ones_like(a0, dtype=bool)
    beta = 0.7
    weight = np.zeros_like(a0)
    walk_weights(weight, a0, b, 1.0, risk, beta, passable)
    expected = np.array([3e-3, 4e-3 * np.exp(-beta), 3e-3, 5e-3])  # N, S, W, E
    expected /= expected.sum()
    n = 40_000
    counts = dict.fromkeys([(0, 1), (2, 1), (1, 0), (1, 2)], 0)
    for u in RNG.random(n):
        counts[walk(1, 1, weight, False, u)] += 1
    observed = np.array([counts[(0, 1)], counts[(2, 1)], counts[(1, 0)], counts[(1, 2)]])
    chi2 = stats.chisquare(observed, expected * n)
    assert chi2.pvalue > 1e-3, (observed / n, expected)
    # and the test is sharp enough to see a wrong rule: uniform choice would fail it
    assert stats.chisquare(observed, np.full(4, n / 4)).pvalue < 1e-6


def test_walk_never_enters_blocked_cells_and_wraps_when_periodic():
    a0 = np.ones((3, 3))
    passable = np.ones((3, 3), bool)
    passable[0, 1] = passable[1, 0] = False
    z = np.zeros((3, 3))
    weight = np.zeros((3, 3))
    walk_weights(weight, a0, z, 1.0, z, 0.0, passable)
    seen = {walk(1, 1, weight, False, u) for u in RNG.random(2000)}
    assert seen == {(2, 1), (1, 2)}
    corner = {walk(0, 0, np.ones((3, 3)), True, u)
              for u in RNG.random(2000)}
    assert corner == {(2, 0), (1, 0), (0, 2), (0, 1)}


def test_crime_probability_is_one_minus_exp_and_deterrence_lowers_it():
    assert crime_probability(0.02, 0.0, 1.0) == pytest.approx(1 - np.exp(-0.02))
    assert crime_probability(0.02, 1.5, 2.0) == pytest.approx(1 - np.exp(-0.02 * np.exp(-1.5) * 2.0))
    rates = [crime_probability(0.05, d, 1.0) for d in (0.0, 0.5, 1.0, 3.0)]
    assert all(x > y for x, y in zip(rates, rates[1:], strict=False))


@njit
def _offends_disagreements(a, d, dt, u):
    bad = 0
    for k in range(a.size):
        bad += offends(a[k], d[k:k + 1].reshape(1, 1), 0, 0, dt[k], u[k]) != (
            u[k] < crime_probability(a[k], d[k], dt[k]))
    return bad


def test_crime_draw_shortcut_gives_the_same_answer_as_the_probability():
    """``offends`` skips the exponential when the draw is clearly above A dt: never a different answer."""
    rng = np.random.default_rng(7)
    n = 400_000
    a = 10.0 ** rng.uniform(-9, 1, n)                      # from a quiet cell to a blazing hotspot
    d = np.where(rng.random(n) < 0.5, 0.0, rng.uniform(0, 5, n))
    dt = rng.choice([0.01, 1.0, 5.0], n)
    p = np.array([crime_probability(a[k], d[k], dt[k]) for k in range(1000)])
    x = (a * np.exp(-np.where(d > 0, d, 0.0)) * dt)[:1000]
    # draws right at the probability and at A dt, where the shortcut and the rounding meet
    undeterred = (a * dt)[:1000]
    u = np.concatenate([np.nextafter(p, 0), p, np.nextafter(p, 1), x, np.nextafter(x, 1),
                        undeterred, np.nextafter(undeterred, 1), rng.random(n - 7000)])
    assert _offends_disagreements(a, d, dt, u) == 0
    assert 0 < sum(offends(a[k], d[k:k + 1].reshape(1, 1), 0, 0, dt[k], u[k]) for k in range(5000)) < 5000


def _first_passing(target, weights):
    """The walk's choice as written first: the first open neighbour whose running sum passes target."""
    acc = 0.0
    for k, w in enumerate(weights):
        acc += w
        if target < acc and w > 0.0:
            return k
    return max(k for k, w in enumerate(weights) if w > 0.0) if any(weights) else 0


def test_branch_free_neighbour_pick_is_the_first_running_sum_above_the_target():
    from polsim.rules.offender import _pick_weighted

    rng = np.random.default_rng(11)
    for _ in range(20_000):
        w = rng.random(4) * (rng.random(4) < 0.7)
        total = w[0] + w[1] + w[2] + w[3]
        if total <= 0.0:
            continue
        u = rng.choice([rng.random(), 0.0, np.nextafter(1.0, 0.0)])
        target = u * total
        assert _pick_weighted(target, *w) == _first_passing(target, w), (w, u)


def _one_offender(status=WALKING, a=0.0) -> OffenderArgs:
    params = OffenderParams(dt=1.0, hour_factor=1.0, capture_probability=1.0, flee_steps=4, jail_steps=9,
                            flee_cells=2, remove_after_crime=False, periodic=False)
    return OffenderArgs(
        r=np.array([2]), c=np.array([2]), status=np.array([status]), timer=np.array([3]), origin_r=np.array([2]),
        origin_c=np.array([1]), home_r=np.array([0]), home_c=np.array([0]), crime=np.array([-1]),
        arrested=np.zeros(1, bool), a0=np.full((5, 5), a), b=np.zeros((5, 5)), weight=np.zeros((5, 5)),
        deterrence=np.zeros((5, 5)), capture=np.zeros((5, 5)), passable=np.ones((5, 5), bool),
        type_label=np.zeros((5, 5), np.int8), type_cdf=np.array([[0.25, 1.0]] * 7),
        type_flees=np.array([True, False]), draws=np.zeros((1, 4)), **params._asdict())


def _step(args: OffenderArgs, u) -> None:
    args.draws[0] = u
    offender_step(0, args)


def test_crime_draw_picks_type_by_land_use_cdf_and_starts_flight():
    one = _one_offender(a=50.0)  # crime is certain
    _step(one, [0.9, 0.0, 0.1, 0.5])
    assert one.crime[0] == 0 and one.status[0] == FLEEING and one.timer[0] == 4
    one = _one_offender(a=50.0)
    _step(one, [0.9, 0.0, 0.6, 0.5])
    assert one.crime[0] == 1 and one.status[0] == WALKING  # type 1 does not flee


def test_fleeing_offender_runs_away_and_is_arrested_in_capture_range():
    one = _one_offender(status=FLEEING)
    _step(one, [0.9, 0.9, 0.9, 0.9])  # origin is west: runs east, 2 cells
    assert (one.r[0], one.c[0]) == (2, 4) and one.timer[0] == 2
    one.capture[2, 4] = 1
    _step(one, [0.5, 0.9, 0.9, 0.5])
    assert one.arrested[0] and one.status[0] == JAILED and one.timer[0] == 9
    for _ in range(9):
        _step(one, [0.5, 0.9, 0.9, 0.5])
    assert one.status[0] == WALKING and (one.r[0], one.c[0]) == (0, 0)  # released home


def _unit_args(path, mode, rate, w):
    """One unit at the start of ``path`` (flat cells on a 50 x 50 city) headed for its end."""
    end = path[-1]
    table = np.zeros((1, len(path)), np.int64)
    table[0] = path
    return UnitMoveArgs(r=np.array([path[0] // 50]), c=np.array([path[0] % 50]), tgt_r=np.array([end // 50]),
                        tgt_c=np.array([end % 50]), credit=np.zeros(1), moving=np.ones(1, bool),
                        arrive_frac=np.full(1, -1.0), mode=np.array([mode]), rate=np.array([rate]), path=table,
                        path_len=np.array([len(path)]), path_at=np.zeros(1, np.int64), w_drive=w, w_walk=w, cols=50,
                        dt=1.0)


def test_a_unit_follows_its_path_spending_no_more_than_its_credit_and_arrives_on_time():
    """Along a path through cells of mixed speed, each step's progress costs at most the step's
    credit, and the unit arrives at the minute the path's cost over its rate gives."""
    factor = np.tile([1.25, 0.75, 0.125, 1.0], 625).reshape(50, 50)
    w = slowness(factor).ravel()
    path = np.array([0, 1, 2, 52, 102, 103, 153, 154, 155, 205], np.int64)  # orthogonal and diagonal moves
    cost = [edge_cost(w, path[k], path[k + 1], 50) for k in range(len(path) - 1)]
    a = _unit_args(path, DRIVE, rate=1.7, w=w)
    arrival, spent = None, 0.0
    for step in range(100):
        at_before, credit_before = int(a.path_at[0]), float(a.credit[0])
        unit_move(0, a)
        moved = sum(cost[at_before:int(a.path_at[0])])
        assert moved <= credit_before + 1.7 + 1e-12
        assert (a.r[0], a.c[0]) == divmod(int(path[a.path_at[0]]), 50)
        spent += moved
        if a.arrive_frac[0] >= 0:
            arrival = step + a.arrive_frac[0]
            break
    assert spent == pytest.approx(sum(cost))
    assert arrival == pytest.approx(sum(cost) / 1.7)


def test_a_flying_unit_flies_straight_a_diagonal_cell_costing_sqrt2():
    a = _unit_args(np.array([0, 510], np.int64), FLY, rate=3.0, w=np.full(2500, 0.5))  # to (10, 10)
    arrival = None
    for step in range(20):
        unit_move(0, a)
        assert abs(int(a.r[0]) - int(a.c[0])) == 0  # on the diagonal all the way
        if a.arrive_frac[0] >= 0:
            arrival = step + a.arrive_frac[0]
            break
    assert (a.r[0], a.c[0]) == (10, 10)
    assert arrival == pytest.approx(10 * SQRT2 / 3.0)


def test_guardian_stays_inside_its_grid_whatever_its_shape():
    grid_id = np.zeros((20, 20), np.int32)
    grid_id[5:8, 5:8] = 1
    grid_id[8, 6] = 1  # an L-shaped grid: a rectangle would not do
    passable = np.ones((20, 20), bool)
    passable[6, 6] = False
    a = GuardianMoveArgs(r=np.array([5]), c=np.array([5]), grid=np.array([1]), grid_id=grid_id, passable=passable,
                         draws=np.zeros(1))
    seen = set()
    for u in RNG.random(4000):
        a.draws[0] = u
        guardian_move(0, a)
        assert grid_id[a.r[0], a.c[0]] == 1 and passable[a.r[0], a.c[0]]
        seen.add((int(a.r[0]), int(a.c[0])))
    assert (8, 6) in seen and len(seen) == 9  # every passable cell of the grid, the foot of the L too


def test_field_update_matches_short_2008_formula():
    b = RNG.random((6, 7))
    passable = np.ones_like(b, dtype=bool)
    passable[2, 3] = False
    b[2, 3] = 0.0
    events = RNG.integers(0, 3, size=b.shape).astype(float)
    eta, decay, theta = 0.2, 0.9, 0.05
    out = np.zeros_like(b)
    crimes = np.repeat(np.argwhere(events), events[events > 0].astype(int), axis=0).T  # a cell per crime
    update_field(b, out, *crimes, passable, eta, decay, theta, False)
    expected = np.zeros_like(b)
    for r in range(6):
        for c in range(7):
            if not passable[r, c]:
                continue
            nbrs = [b[r + dr, c + dc] for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))
                    if 0 <= r + dr < 6 and 0 <= c + dc < 7 and passable[r + dr, c + dc]]
            smooth = (1 - eta) * b[r, c] + eta * np.mean(nbrs)
            expected[r, c] = smooth * decay + theta * events[r, c]
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    periodic = np.zeros_like(b)
    update_field(b, periodic, *crimes, np.ones_like(passable), eta, decay, theta, True)
    lap = (np.roll(b, 1, 0) + np.roll(b, -1, 0) + np.roll(b, 1, 1) + np.roll(b, -1, 1)) / 4
    np.testing.assert_allclose(periodic, ((1 - eta) * b + eta * lap) * decay + theta * events, rtol=1e-12)
    quiet = np.zeros_like(b)  # a step with no crime: smoothing and decay alone
    no_crime = np.zeros(0, np.int64)
    update_field(b, quiet, no_crime, no_crime, np.ones_like(passable), eta, decay, theta, True)
    np.testing.assert_allclose(quiet, ((1 - eta) * b + eta * lap) * decay, rtol=1e-12)
