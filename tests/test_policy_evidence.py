"""Evidence that the policies' effects come from the rules (issue 3).

Every comparison runs both arms on the same seeds (common random numbers: same offenders, same
city, same draws), on a small city for a few simulated hours, and decides with a test of the
paired data rather than a point difference, so that each check could fail:

- hotspot patrol lowers crime in its treated cells versus random patrol, and does not once
  deterrence is switched off (then only the patrol moved, not the rule that made the difference);
- AVL dispatch gives a lower mean response time than zone-bound dispatch with the same units;
- adding motorcycle squads raises the share of calls reached within 3 minutes;
- the Nanning after-reform preset has fewer crimes than the before one.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim import PolicingModel
from tests.conftest import SMALL

HOURS_6 = {**SMALL, "time.days": 0.25}
"""The small 3 x 3 km city of the engine tests, six hours from 10:00."""


def run(seed: int, policy: str = "random", dispatch: str | None = None, **extra) -> PolicingModel:
    """One finished run of the small city with ``extra`` overrides (dotted keys via a dict)."""
    overrides = {**HOURS_6, **extra.pop("overrides", {})}
    return PolicingModel("default", policy=policy, seed=seed, dispatch=dispatch, overrides=overrides).run()


def crimes_in_hotspots(deterrence: bool, seeds=(1, 2, 3)) -> tuple[int, int]:
    """Crimes in the hotspot policy's treated cells: under hotspot patrol, and under random patrol.

    The hotspot plan is made once at the start (``replan_days`` is longer than the run), so the
    treated cells are the same all run and the random run is counted on exactly those cells.
    A busier crime field (equal in both arms) gives enough crimes in ten cells to decide.
    """
    extra = {"field.a0_per_min": 3e-3, "deterrence.enabled": deterrence}
    under_hotspot = under_random = 0
    for seed in seeds:
        hot = run(seed, "hotspot", overrides=extra)
        treated = hot.policy.treated_cells(hot)
        assert treated.sum() == hot.spec.policy.hotspots and hot.spec.policy.replan_days > 0.25
        under_hotspot += int(hot.metrics.crimes_by_cell.sum(axis=0)[treated].sum())
        rand = run(seed, "random", overrides=extra)
        under_random += int(rand.metrics.crimes_by_cell.sum(axis=0)[treated].sum())
    return under_hotspot, under_random


def fewer(a: int, b: int) -> float:
    """One-sided p-value that count ``a`` is lower than count ``b`` (same exposure, Poisson).

    Given ``a + b`` events, ``a`` is Binomial(a + b, 1/2) when the rates are equal.
    """
    return stats.binomtest(a, a + b, 0.5, alternative="less").pvalue


def test_hotspot_patrol_lowers_crime_in_its_treated_cells():
    hot, rand = crimes_in_hotspots(deterrence=True)
    assert rand >= 6, "too few crimes in the treated cells to decide"
    assert fewer(hot, rand) < 0.05, (hot, rand)
    assert hot <= rand / 2, (hot, rand)


def test_without_deterrence_hotspot_patrol_does_not_lower_crime_there():
    hot, rand = crimes_in_hotspots(deterrence=False)
    assert rand >= 6, "too few crimes in the treated cells to decide"
    assert fewer(hot, rand) > 0.2, (hot, rand)
    assert hot >= 0.7 * rand, (hot, rand)


def test_avl_dispatch_responds_faster_than_zone_bound_with_the_same_units():
    avl, zone = [], []
    for seed in range(1, 6):
        avl.append(run(seed, dispatch="avl").summary()["response_time_min"]["mean"])
        zone.append(run(seed, dispatch="zone").summary()["response_time_min"]["mean"])
    assert stats.ttest_rel(avl, zone, alternative="less").pvalue < 0.05, (avl, zone)
    assert np.mean(avl) < np.mean(zone)


def test_adding_motorcycle_squads_raises_the_within_3_minute_share():
    reached = {0: [0, 0], 6: [0, 0]}  # squads -> [calls reached within 3 min, calls]
    for seed in (1, 2, 3):
        shares = {}
        for squads in reached:
            rt = run(seed, overrides={"units.motorcycle_squad.count": squads}).summary()["response_time_min"]
            reached[squads][0] += round(rt["within_3"] * rt["calls"])
            reached[squads][1] += rt["calls"]
            shares[squads] = rt["within_3"]
        assert shares[6] > shares[0], (seed, shares)
    (hit0, n0), (hit6, n6) = reached[0], reached[6]
    table = [[hit6, n6 - hit6], [hit0, n0 - hit0]]
    assert stats.fisher_exact(table, alternative="greater").pvalue < 0.01, table


def nanning_crimes(days: float, seeds, **overrides) -> tuple[int, int]:
    """Total crimes of the before and after presets on the same seeds, both under random patrol.

    Random patrol in both keeps the policy out of it: the difference is what the presets say
    the reform changed (street force +50%, booth posts, strike vehicles, one-map dispatch).
    """
    totals = []
    for scenario in ("nanning_2018_before", "nanning_2019_after"):
        totals.append(sum(
            PolicingModel(scenario, seed=s, overrides={"time.days": days, **overrides}).run()
            .summary()["crimes"]["total"] for s in seeds))
    return totals[0], totals[1]


def test_nanning_after_the_reform_has_fewer_crimes_than_before():
    """One day with a crime field four times as busy in both presets (equal in both arms).

    Most of the reform's effect on crime comes through arrests (an arrested offender is out of
    the city for 30 days) and builds up with the number of crimes; a busier field gets the
    week's worth of arrests into one simulated day, and about 900 crimes a run decide.
    """
    before, after = nanning_crimes(1.0, (1,), **{"field.a0_per_min": 4e-3})
    assert fewer(after, before) < 0.01, (before, after)


@pytest.mark.slow
def test_nanning_after_the_reform_has_fewer_crimes_than_before_over_a_week():
    """The presets as shipped, seven days, three seeds."""
    before, after = nanning_crimes(7.0, (1, 2, 3))
    assert fewer(after, before) < 0.05, (before, after)
