"""The back-test's measures on constructed cases, and the calibration test's own calibration."""

from __future__ import annotations

import numpy as np
import pytest

from polsim.data.agreement import block_sums, dispersion, fit_test, hit_rate, ks_distance, pai, spearman, top_cells
from polsim.data.period import exposure_days, in_period, parse_period


def test_pai_and_hit_rate_by_hand():
    # 20 cells; the top 5% is one cell: the forecast's highest, cell 7
    forecast = np.arange(20, dtype=float)[::-1].copy()
    forecast[7] = 100.0
    observed = np.zeros(20)
    observed[7], observed[0], observed[12] = 6.0, 3.0, 1.0
    assert list(top_cells(forecast, 0.05)) == [7]
    assert hit_rate(forecast, observed, 0.05) == pytest.approx(0.6)
    assert pai(forecast, observed, 0.05) == pytest.approx(0.6 / (1 / 20))
    # top 10%: cells 7 and 0 hold 9 of 10 crimes on 2 of 20 cells
    assert pai(forecast, observed, 0.10) == pytest.approx(0.9 / 0.1)


def test_blocked_blocks_are_not_area():
    forecast = np.array([[5.0, np.nan], [1.0, 2.0]])
    observed = np.array([[4.0, 9.0], [0.0, 1.0]])
    # 3 valid blocks, top 5% -> 1 block (the first), holding 4 of the 5 crimes on valid blocks
    assert hit_rate(forecast, observed) == pytest.approx(0.8)
    assert pai(forecast, observed) == pytest.approx(0.8 * 3)


def test_spearman_on_constructed_ranks():
    x = np.array([1.0, 2, 3, 4, 5])
    assert spearman(x, x ** 3) == pytest.approx(1.0)
    assert spearman(x, -x) == pytest.approx(-1.0)
    # one swapped pair among five: rho = 1 - 6 * 2 / (5 * 24) = 0.9
    assert spearman(x, np.array([2.0, 1, 3, 4, 5])) == pytest.approx(0.9)
    assert np.isnan(spearman(x, np.ones(5)))


def test_ks_distance_by_hand():
    assert ks_distance(np.array([1.0, 2, 3, 4]), np.array([3.0, 4, 5, 6])) == pytest.approx(0.5)
    assert ks_distance(np.array([1.0, 2]), np.array([1.0, 2])) == 0.0
    assert ks_distance(np.array([1.0]), np.array([9.0])) == 1.0


def test_block_sums_keep_partial_edge_blocks():
    counts = np.arange(30, dtype=float).reshape(5, 6)
    out = block_sums(counts, 4)
    assert out.shape == (2, 2)
    assert out.sum() == counts.sum()
    assert out[1, 1] == counts[4:, 4:].sum()


def test_fit_test_is_calibrated_under_the_null_and_sees_a_shift():
    """Observed and replications drawn from the same rates: p-values about uniform (5% below
    0.05); a 30% shift of a third of the blocks: p below 0.05 nearly always."""
    rng = np.random.default_rng(0)
    rate = rng.gamma(2.0, 4.0, size=60)  # expected records per day by bin
    obs_days, sim_days, reps = 30.0, 7.0, 4
    p_null, p_shift = [], []
    shifted = rate.copy()
    shifted[:20] *= 1.3
    for _ in range(400):
        sims = rng.poisson(rate * sim_days, size=(reps, rate.size))
        p_null.append(fit_test(rng.poisson(rate * obs_days), sims, obs_days, sim_days).p_value)
        p_shift.append(fit_test(rng.poisson(shifted * obs_days), sims, obs_days, sim_days).p_value)
    assert 0.02 < np.mean(np.array(p_null) < 0.05) < 0.09
    assert np.mean(np.array(p_shift) < 0.05) > 0.95


def test_dispersion_of_poisson_and_clustered_counts():
    rng = np.random.default_rng(1)
    assert dispersion(rng.poisson(20.0, size=(50, 40))) == pytest.approx(1.0, abs=0.15)
    clustered = rng.poisson(rng.gamma(2.0, 10.0, size=(50, 1)) * np.ones((1, 40)))  # var = mean + mean^2/2
    assert dispersion(clustered) > 5


def test_periods_and_exposure():
    import pandas as pd

    p = parse_period("2016-07..2017-07")
    assert p.months()[0] == "2016-07" and p.months()[-1] == "2017-07" and len(p.months()) == 13
    monthly = pd.DataFrame({"month": ["2016-07", "2017-07", "2018-07"], "time": pd.NaT})
    assert exposure_days(monthly, p, timed=False) == 62.0  # only the months the data has
    assert list(in_period(monthly, p, timed=False)) == [True, True, False]
    timed = pd.DataFrame({"time": pd.to_datetime(["2018-01-03 10:00", "2018-01-20 09:00"]), "month": ""})
    assert exposure_days(timed, parse_period("2018-01"), timed=True) == 18.0  # 3rd .. 20th
    assert exposure_days(timed, parse_period("2018-01-05..2018-01-06"), timed=True) == 2.0


def test_days_for_exposure_gives_the_replications_the_multiple():
    from polsim.data.runs import days_for_exposure

    assert days_for_exposure(62.0, 8, 4.0) == 31.0  # West Yorkshire's back-test: 8 x 31 = 4 x 62
    assert days_for_exposure(31.0, 8, 4.0) == 16.0  # whole days, rounded up: 128 >= 124
    assert days_for_exposure(62.0, 4, 2.0) == 31.0
    assert days_for_exposure(0.5, 8, 1.0) == 1.0  # at least a day


def test_simulated_mean_at_four_times_the_exposure_ranks_like_the_data():
    """The rule behind EXPOSURE_MULTIPLE: a model whose rates are the training counts forecasts,
    with the mean of runs holding 4x the training days, within 0.02 of the naive forecast's
    Spearman and 2% of its PAI (crime on scattered points, most cells empty, as in West Yorkshire);
    with 1x the exposure its own noise costs more than that.
    """
    from polsim.data.backtest import EXPOSURE_MULTIPLE

    rng = np.random.default_rng(3)
    rate = np.where(rng.random((80, 80)) < 0.2, rng.lognormal(0.0, 1.2, (80, 80)), 0.0) * 0.05  # a day
    train, test = rng.poisson(rate * 62), rng.poisson(rate * 31)
    naive_rho, naive_pai = spearman(train, test), pai(train, test)

    def simulated(multiple: float) -> tuple[float, float]:
        runs = [rng.poisson(train * multiple) / multiple for _ in range(20)]
        return float(np.mean([spearman(m, test) for m in runs])), float(np.mean([pai(m, test) for m in runs]))

    rho, index = simulated(EXPOSURE_MULTIPLE)
    assert rho > naive_rho - 0.02 and index > 0.98 * naive_pai
    rho_1, index_1 = simulated(1.0)
    assert rho_1 < naive_rho - 0.02 or index_1 < 0.98 * naive_pai


def test_the_fit_updates_at_the_back_tests_finest_scale():
    """FitOptions.block_m repeats SCALES_M's first value (importing it would make a cycle): held equal here."""
    from polsim.data.backtest import SCALES_M
    from polsim.data.calibrate import FitOptions

    assert FitOptions().block_m == min(SCALES_M)
