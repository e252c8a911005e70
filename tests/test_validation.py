"""Validation cases: Erlang C, WDQ by hand, the Short (2008) model's exact form and threshold.

The fast cases always run; the long simulations are marked ``slow``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from polsim.model import PolicingModel
from polsim.rules import offender
from polsim.validation import backends, erlang, hotspots, suppression, travel, wdq
from polsim.validation.queueing import (
    CRITICAL_T,
    batch_means,
    erlang_c,
    erlang_c_mean_wait,
    ideal_mg1_waits,
    ideal_mmc_waits,
    pollaczek_khinchine_wait,
)


def test_erlang_c_known_values():
    assert erlang_c(0.7, 1.0, 1) == pytest.approx(0.7)  # M/M/1: P(wait) = rho
    assert erlang_c(1.0, 1.0, 2) == pytest.approx(1.0 / 3.0)  # a = 1, c = 2 by hand
    # W_q of M/M/1 is rho / (mu - lam).
    assert erlang_c_mean_wait(0.5, 1.0, 1) == pytest.approx(0.5 / 0.5)
    # M/M/1 is also M/G/1 with E[S^2] = 2/mu^2: Pollaczek-Khinchine gives the same wait.
    assert pollaczek_khinchine_wait(0.5, 1.0, 2.0) == pytest.approx(erlang_c_mean_wait(0.5, 1.0, 1))
    with pytest.raises(ValueError):
        erlang_c(3.0, 1.0, 3)


def test_batch_means_of_constant_has_no_error():
    assert batch_means([2.0] * 100) == (2.0, 0.0)


def _assert_matches_erlang_c(r: erlang.MMCResult, calls: int) -> None:
    assert r.busy_error < 1e-9  # zero travel: busy exactly the time on scene
    assert r.calls > calls
    assert abs(r.p_wait - r.p_wait_erlang) <= CRITICAL_T * r.p_wait_se
    assert abs(r.mean_wait - r.mean_wait_erlang) <= CRITICAL_T * r.mean_wait_se
    assert r.p_wait_se < 0.05 and r.mean_wait_se < 0.25 * r.mean_wait_erlang  # decisive


# The batch-means check against an ideal M/M/c queue over 400 seeds: (lam, mu, c, minutes) as in the
# tests, and the largest false-failure rate allowed (the heavy-load runs are short and skewed low).
CALIBRATION = [((0.5, 0.25, 3, 4000.0), 0.01), ((0.4, 0.25, 2, 20000.0), 0.01), ((0.45, 0.1, 5, 20000.0), 0.025),
               ((0.36, 0.2, 2, 20000.0), 0.03), ((0.4, 0.1, 5, 20000.0), 0.01)]


@pytest.mark.slow
@pytest.mark.parametrize(("setting", "allowed"), CALIBRATION)
def test_batch_means_check_is_calibrated(setting, allowed):
    lam, mu, c, minutes = setting
    p_exp, w_exp = erlang_c(lam, mu, c), erlang_c_mean_wait(lam, mu, c)
    fails = wrong = 0
    runs = 400
    for seed in range(runs):
        w = ideal_mmc_waits(lam, mu, c, minutes, np.random.default_rng(seed))
        p, p_se = batch_means((w > 0).astype(float).tolist())
        m, m_se = batch_means(w.tolist())
        fails += abs(p - p_exp) > CRITICAL_T * p_se or abs(m - w_exp) > CRITICAL_T * m_se
        wrong += abs(m - 2.0 * w_exp) > CRITICAL_T * m_se  # a queue whose mean wait is twice Erlang C
    assert fails / runs <= allowed
    assert wrong / runs >= 0.4  # measured 0.49 at 4000 min, higher at 20000


def test_dispatch_queue_matches_erlang_c():
    r = erlang.simulate_mmc(0.5, 0.25, 3, minutes=4000.0, seed=3)
    _assert_matches_erlang_c(r, 1500)


# Heavy load (rho = lam / (c mu) of 0.8 and 0.9): 20000 simulated minutes each, about 6 s.
HEAVY = [pytest.param(0.4, 0.25, 2, id="rho0.8-c2"), pytest.param(0.45, 0.1, 5, id="rho0.9-c5"),
         pytest.param(0.36, 0.2, 2, id="rho0.9-c2", marks=pytest.mark.slow),
         pytest.param(0.4, 0.1, 5, id="rho0.8-c5", marks=pytest.mark.slow)]


@pytest.mark.parametrize(("lam", "mu", "c"), HEAVY)
def test_dispatch_queue_matches_erlang_c_heavy_load(lam, mu, c):
    r = erlang.simulate_mmc(lam, mu, c, minutes=20000.0, seed=3)
    assert r.load >= 0.8 - 1e-9
    assert r.p_wait_erlang > 0.5  # most calls wait: the queue is really loaded
    _assert_matches_erlang_c(r, 6000)


def test_without_instant_travel_units_are_busy_longer():
    over = erlang.mmc_overrides(0.5, 0.25, 3, 400.0)
    over["dispatch.instant_travel"] = False
    model = PolicingModel("default", overrides=over, seed=1).run()
    done = [i for i in model.incident_list() if i.t_close == i.t_close]
    assert max(i.t_close - i.t_dispatch - i.on_scene_min for i in done) > 0.1


@pytest.mark.parametrize("example", wdq.EXAMPLES, ids=lambda e: e.name)
def test_wdq_matches_hand_calculation(example):
    got = example.polsim()
    assert got.verdict == example.verdict
    assert example.agrees(tol=1e-12), (got.success, got.buffer_measure, got.wdq)
    if example.verdict == "undefined":
        assert got.wdq is None and got.reason


def test_short2008_births_are_one_per_site_at_most():
    over = hotspots.short2008_overrides(hotspots.STATIONARY, 8, 1.0)
    over.update({"offenders.count": 0, "offenders.short2008_birth_rate": 50.0})  # Gamma dt = 0.5
    model = PolicingModel("default", overrides=over, seed=2)
    model._births()
    o = model.offenders
    alive = o.status == 0
    cells = o.r[alive] * 8 + o.c[alive]
    assert 10 < cells.size < 54
    assert np.unique(cells).size == cells.size


def test_short2008_scenario_is_uniform():
    model = PolicingModel("default", overrides=hotspots.short2008_overrides(hotspots.STATIONARY, 16, 1.0))
    assert np.all(model.a0 == hotspots.A0) and model.city.passable.all()
    assert model.spec.field.periodic and not model.spec.deterrence.enabled
    assert len(model.units.r) == 0 and len(model.guardians.r) == 0
    # every crime, on every land use, is a burglary nobody reports (the paper has no other kind)
    burglary = model.crime_names.index("burglary")
    assert set(model.crime_names) == {"burglary", *hotspots.OTHER_CRIMES}
    cdf = model.crime_mix.type_cdf
    assert np.all(cdf[:, :burglary] == 0) and np.all(cdf[:, burglary:] == 1)
    assert model.spec.crimes["burglary"].report_probability == 0


def _one_sure_burglary(remove: float) -> tuple[int, str]:
    """One offender_step of a lone offender certain to burgle; its status and crime."""
    over = hotspots.short2008_overrides(hotspots.STATIONARY, 4, 1.0)
    over.update({"offenders.count": 1, "offenders.short2008_birth_rate": 0.0})
    model = PolicingModel("default", overrides=over, seed=3)
    model._prepare_step_args()
    args = model.step_args.offenders
    assert args.status[0] == offender.WALKING
    args.b[args.r[0], args.c[0]] = 1e6  # crime probability 1 - exp(-A dt) = 1
    args.draws[0, 1] = 0.5
    assert args.remove_after_crime  # set by offenders.model = "short2008"
    args = args._replace(remove_after_crime=bool(remove))
    offender.offender_step(0, args)
    return int(args.status[0]), model.crime_names[int(args.crime[0])]


def test_short2008_burglar_is_removed_after_its_crime():
    assert _one_sure_burglary(1.0) == (offender.INACTIVE, "burglary")
    # the flag, not the crime type, removes it: burglary does not flee, so it would walk on
    assert _one_sure_burglary(0.0) == (offender.WALKING, "burglary")


@pytest.mark.parametrize("model_kind", ["short2008", "persistent"])
def test_only_short2008_offenders_leave_after_one_crime(model_kind):
    """No births: in short2008 mode every crime retires exactly one offender, otherwise none."""
    over = hotspots.short2008_overrides(hotspots.Regime("busy", 0.2, 1.0, 0.2, ""), 12, 2.0)
    over.update({"offenders.count": 400, "offenders.short2008_birth_rate": 0.0,
                 "offenders.model": model_kind})
    model = PolicingModel("default", overrides=over, seed=5)
    model.b[:] = 0.5  # A = 0.53: most offenders burgle within the 200 steps
    model.run()
    crimes = int(model.metrics.crimes_by_cell.sum())
    inactive = int((model.offenders.status == offender.INACTIVE).sum())
    assert len(model.offenders) == 400 and crimes > 100
    assert inactive == (crimes if model_kind == "short2008" else 0)


def _unstable_numerically(r: hotspots.Regime) -> bool:
    """Some wavenumber makes the linearised continuum determinant negative."""
    x = np.logspace(-4, 3, 20000)  # x = D k^2
    theta_n = r.theta * r.gamma / r.a_bar
    det = r.eta * x**2 + (r.eta * r.a_bar + hotspots.OMEGA - 3 * theta_n) * x + hotspots.OMEGA * r.a_bar
    return bool((det < 0).any())


# Short et al. (2008), Figure 2 (omega = 1/15, A0 = 1/30, dt = 0.01): panel -> (eta, theta, Gamma),
# and whether the continuum theory puts the set below eta_c (hotspots from noise).
PAPER_FIGURE_2 = {"a": ((0.2, 0.56, 0.019), False), "b": ((0.2, 5.6, 0.002), False),
                  "c": ((0.03, 0.56, 0.019), True), "d": ((0.03, 5.6, 0.002), True)}


def test_regimes_are_the_papers_sets():
    assert {k: v for k, (v, _) in PAPER_FIGURE_2.items()} == hotspots.FIGURE_2
    for regime, panel in ((hotspots.HOMOGENEOUS, "a"), (hotspots.STATIONARY, "c")):
        assert (regime.eta, regime.theta, regime.gamma) == PAPER_FIGURE_2[panel][0]
        assert f"Fig. 2{panel})" in regime.paper
    assert not hotspots.HOMOGENEOUS.unstable and hotspots.STATIONARY.unstable


@pytest.mark.parametrize("panel", sorted(PAPER_FIGURE_2))
def test_stability_threshold(panel):
    (eta, theta, gamma), unstable = PAPER_FIGURE_2[panel]
    regime = hotspots.Regime(panel, eta, theta, gamma, "")
    assert abs(regime.b_bar - 1.0 / 6.0) < 0.01  # the paper's sets all have B_bar ~ 1/6
    assert 0.11 < regime.eta_c < 0.116  # so eta = 0.2 is above the threshold, 0.03 below
    assert regime.unstable == unstable == _unstable_numerically(regime)
    edge = hotspots.Regime("edge", regime.eta_c * 0.99, regime.theta, regime.gamma, "")
    assert edge.unstable and _unstable_numerically(edge)
    past = hotspots.Regime("past", regime.eta_c * 1.01, regime.theta, regime.gamma, "")
    assert not past.unstable and not _unstable_numerically(past)
    assert math.isclose(regime.b_bar, regime.theta * regime.gamma * 15)


@pytest.mark.slow
def test_hotspot_regimes():
    flat = hotspots.run_regime(hotspots.HOMOGENEOUS, 64, (50.0, 150.0))
    hot = hotspots.run_regime(hotspots.STATIONARY, 64, (100.0, 150.0))
    assert flat.max_over_mean < 2 and flat.hotspots == 0
    assert hot.max_over_mean > 5 and hot.hotspots >= 3 and hot.persistence > 0.5
    for run in (flat, hot):
        assert abs(run.mean_b / run.regime.b_bar - 1) < 0.25


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_backends_identical_mid_size(seed):
    """100 x 100 city, 3000 offenders, one day: hundreds of crimes and incidents, all equal."""
    pair = backends.compare_backends(seed, days=1.0)
    assert pair.crimes > 300 and pair.incidents > 200  # a real comparison, not a handful of rows
    assert pair.summary_equal and pair.incidents_equal
    assert pair.crime_cells_equal and pair.state_equal


def test_suppressed_cells_see_no_crime_and_only_they():
    """The suppression rule: police on the treated cells zero the crime there, nowhere else."""
    busy = hotspots.Regime("busy", 0.2, 0.1, 1.0, "")  # Gamma = 1: about 1.4 births a step
    model = PolicingModel("default", seed=4, overrides=hotspots.short2008_overrides(busy, 12, 8.0))
    police = suppression.SuppressHotspot(model, radius=4.0)
    mean_b = np.zeros_like(model.b)
    mean_b[6, 6] = 1.0
    treated = police.post(mean_b)
    assert treated.sum() == 49 and treated[6, 6] and treated[6, 10] and not treated[6, 11]
    model.run(400)
    crimes = model.metrics.crimes_by_cell.sum(axis=0)
    assert crimes[treated].sum() == 0
    assert crimes[~treated].sum() > 50
    police.leave()
    model.run(400)
    assert model.metrics.crimes_by_cell.sum(axis=0)[treated].sum() > 10


def test_torus_distance_wraps():
    d = suppression.torus_distance((10, 10), 0, 0)
    assert d[9, 9] == pytest.approx(math.sqrt(2)) and d[5, 0] == 5 and d[0, 6] == 4


@pytest.mark.slow
def test_suppression_regimes():
    sup = suppression.run_suppression(suppression.SUPERCRITICAL, 40, 100.0, 50.0)
    assert sup.regime.unstable
    assert sup.crimes(sup.during, sup.treated) == 0 and sup.crimes(sup.before, sup.treated) > 100
    assert sup.buffer_change > 1.2
    d = sup.displacement
    assert d.verdict == "displacement" and d.wdq < 0
    assert sup.during.hotspots >= 1 and sup.after.hotspots >= 1
    sub = suppression.run_suppression(suppression.SUBCRITICAL, 40, 100.0, 50.0, seed_height=10.0)
    assert not sub.regime.unstable
    assert sub.before.hotspots == sub.during.hotspots == sub.after.hotspots == 0
    assert sub.buffer_change < 1.2
    # the seeded nucleus decays without police too: polsim sustains no subcritical hotspot here
    trace = suppression.nucleus_decay(suppression.SUBCRITICAL, 40, 10.0, 50.0)
    assert trace[0] > 4 and trace[-1] < 2.5


def test_the_closed_forms_distance_is_the_engines_network_distance():
    """On the case's uniform square the engine's network cost from the base is the octile distance
    the closed form averages (the moments are that average over the square's cells)."""
    from polsim.rules.routing import Scratch, path_costs

    n, base = 7, (2, 5)
    w = np.full(n * n, 0.5)  # every cell at factor 1
    s = Scratch(n * n)
    engine = path_costs(base[0] * n + base[1], w, n, n, np.arange(n * n), s.dist, s.pred)
    rows, cols = np.indices((n, n))
    d = travel.octile(rows - base[0], cols - base[1]).ravel()
    np.testing.assert_allclose(engine, d)
    m1, m2 = travel.distance_moments(n, base)
    assert m1 == pytest.approx(d.mean()) and m2 == pytest.approx((d ** 2).mean())


def test_return_to_base_unit_leaves_from_base_and_waits_until_home():
    """Every job starts at base: arrival = dispatch + start delay in [0, dt) + network distance / speed."""
    model = PolicingModel("default", overrides=travel.travel_overrides(0.05, 3000.0), seed=5).run()
    u = model.units
    done = sorted((i for i in model.incident_list() if i.t_close == i.t_close), key=lambda i: i.t_dispatch)
    assert len(done) > 80
    queued = 0
    for inc in done:
        dist = travel.octile(inc.r - int(u.base_r[0]), inc.c - int(u.base_c[0]))
        delay = inc.t_arrival - inc.t_dispatch - dist / travel.SPEED_CELLS_MIN
        assert -1e-9 <= delay <= travel.STEP_MIN + 1e-9
        queued += inc.t_dispatch > inc.t_call + 1e-9
    # Next dispatch no earlier than the previous job's drive home: close + network distance / speed.
    for prev, nxt in zip(done, done[1:], strict=False):
        back = travel.octile(prev.r - int(u.base_r[0]), prev.c - int(u.base_c[0]))
        home = prev.t_close + back / travel.SPEED_CELLS_MIN
        assert nxt.t_dispatch >= home - 1e-9
    assert queued > 20  # the rule was exercised under queueing


def test_travel_queue_matches_pollaczek_khinchine():
    r = travel.simulate_travel(0.0363, 5000.0, seed=1)  # rho = 0.5 (E[S] = 13.8 min)
    assert 0.45 < r.expected.load < 0.55
    assert r.within(), (r.wait, r.wait_se, r.expected.wait, r.response, r.response_expected)


@pytest.mark.slow
@pytest.mark.parametrize("lam", [0.0218, 0.0508])  # rho = 0.3, 0.7
def test_travel_queue_matches_pollaczek_khinchine_long(lam):
    r = travel.simulate_travel(lam, 40000.0, seed=2)
    assert r.within(), (r.wait, r.wait_se, r.expected.wait, r.response, r.response_expected)
    assert r.response_se < 0.1 * r.response_expected  # decisive


@pytest.mark.parametrize("base", [(9, 9), (2, 15)])
def test_service_sampler_has_the_expected_moments(base):
    """The ideal M/G/1 queue's service draws have the E[S] and E[S^2] that P-K is given."""
    args = (travel.SIDE, base, travel.SPEED_CELLS_MIN, travel.ON_SCENE_MIN, travel.STEP_MIN)
    s = travel.sample_service(np.random.default_rng(11), 1_000_000, *args)
    e = travel.expectation(0.03, *args)
    # sampling SEs at 1e6 draws: 0.03% of E[S], 0.06% of E[S^2]; tolerances about 3.5 and 4 SE
    assert s.mean() == pytest.approx(e.service_mean, rel=1e-3)
    assert (s * s).mean() == pytest.approx(e.service_second, rel=2.5e-3)
    assert s.min() >= 0.0


def test_ideal_mg1_with_exponential_service_is_the_ideal_mm1():
    """Lindley's recursion reproduces the M/M/c reference's waits for c = 1 on the same draws."""
    lam, mu, minutes = 0.4, 0.5, 4000.0
    mm1 = ideal_mmc_waits(lam, mu, 1, minutes, np.random.default_rng(3))
    mg1 = ideal_mg1_waits(lam, lambda r, n: r.exponential(1.0 / mu, n), 1.0 / mu, minutes,
                          np.random.default_rng(3))
    # same window start; ideal_mmc_waits also drops 10 service times more at the end
    assert len(mm1) > 1000 and len(mg1) > len(mm1)
    assert np.allclose(mg1[:len(mm1)], mm1, rtol=0.0, atol=1e-9)
    assert ideal_mg1_waits(lam, lambda r, n: r.exponential(1.0 / mu, n), 1.0 / mu, 0.0,
                           np.random.default_rng(0)).size == 0


# Case 3b's check against the ideal M/G/1 queue over 400 seeds (seeds 0-399, 40000 min as in the
# case): lam (rho = 0.3, 0.5, 0.7 with travel on the network), the largest false-failure rate
# allowed and the smallest power against a mean wait twice P-K. Measured on the octile travel
# of the network: false failures 0, 0, 0.75%; power 0.84, 0.92, 0.81.
TRAVEL_CALIBRATION = [(0.0218, 0.01, 0.7), (0.0363, 0.01, 0.75), (0.0508, 0.02, 0.7)]


@pytest.fixture(scope="module")
def travel_base() -> tuple[int, int]:
    return travel.model_base()


@pytest.mark.slow
@pytest.mark.parametrize(("lam", "allowed", "power"), TRAVEL_CALIBRATION)
def test_travel_check_is_calibrated_on_ideal_mg1(lam, allowed, power, travel_base):
    fails = caught = 0
    runs = 400
    for seed in range(runs):
        w, e = travel.ideal_waits(lam, 40000.0, np.random.default_rng(seed), travel_base)
        m, m_se = batch_means(w.tolist())
        fails += abs(m - e.wait) > CRITICAL_T * m_se
        caught += abs(m - 2.0 * e.wait) > CRITICAL_T * m_se  # a queue whose mean wait is twice P-K
    assert fails / runs <= allowed
    assert caught / runs >= power


def test_return_to_base_same_on_both_backends():
    over = travel.travel_overrides(0.05, 600.0)
    over["offenders.count"] = 5  # the mesa backend needs at least one offender agent
    tables = [PolicingModel("default", backend=b, overrides=over, seed=6).run().incident_table()
              for b in ("numba", "mesa")]
    a, b = tables
    assert len(a["id"]) > 20 and a.keys() == b.keys()
    for k in a:
        assert np.array_equal(np.asarray(a[k]), np.asarray(b[k]), equal_nan=backends._is_float(a[k])), k
