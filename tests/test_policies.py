"""Each deployment policy does what its paragraph says: patrol areas, dispatch order, plans, cordons."""

from __future__ import annotations

import numpy as np
import pytest

from polsim.engine.incident import Incident
from polsim.engine.units import ON_SCENE, PATROLLING, PURSUING
from polsim.policies import POLICIES, Combined, Cordon, HotspotPatrol, make_policy
from polsim.policies.cordon import ActiveCordon
from polsim.policies.zones import assign_balanced, tile_labels
from polsim.rules.offender import FLEEING, JAILED
from tests.conftest import small_model

BUILT_IN = ("random", "fixed_posts", "beat", "hotspot", "layered", "grid_fusion", "motorcycle_rapid",
            "cordon")


def _incident(m, r: int, c: int, kind: str = "pickpocketing", serious: bool = False) -> Incident:
    inc = Incident(10_000, kind, 1 if serious else 3, r, c, 0.0, 10.0, serious)
    inc.t_call = 0.0
    inc.arrived = m.env.event()
    return inc


def _kinds(m) -> np.ndarray:
    return np.array([m.units.types[t].kind for t in m.units.type_idx])


def test_every_built_in_policy_is_registered_and_documented():
    assert set(POLICIES) == set(BUILT_IN)
    for name, cls in POLICIES.items():
        assert cls.name == name and make_policy(name).name == name
        assert len((cls.__doc__ or "").split()) > 40, f"{name} needs its paragraph"


def test_random_patrol_gives_every_cell_of_a_units_own_area_the_same_chance():
    """Each patrol style draws from its own area (city, station zone, grid, base): the
    uniforms at the centres of n equal strata give each of the area's n cells exactly once."""
    styles = {"patrol_car": "roam", "strike_vehicle": "zone", "community_officer": "grid",
              "fixed_post": "stay"}
    m = small_model(3, extra={f"units.{kind}.patrol": style for kind, style in styles.items()})
    city, u, cols = m.city, m.units, m.city.cols
    for kind, style in styles.items():
        j = int(np.flatnonzero(_kinds(m) == kind)[0])
        area = {"roam": city.passable, "zone": city.station_id == u.zone[j],
                "grid": city.grid_id == u.grid[j],
                "stay": np.arange(city.passable.size).reshape(city.passable.shape)
                == u.base_r[j] * cols + u.base_c[j]}[style]
        if style != "stay":
            area = area & city.passable
        n = int(area.sum())
        tr, tc = m.policy.patrol_targets(m.policy_view, np.full(n, j), (np.arange(n) + 0.5) / n)
        drawn = np.sort(tr * cols + tc)
        np.testing.assert_array_equal(drawn, np.flatnonzero(area.ravel()), err_msg=style)


def test_policies_combine_with_plus_and_load_by_dotted_path():
    p = make_policy("hotspot+cordon")
    assert isinstance(p, Combined) and p.label == "hotspot+cordon"
    assert [type(part) for part in p.parts] == [HotspotPatrol, Cordon]
    user = make_policy("polsim.policies.beat:BeatPatrol+cordon")
    assert user.label == "beat+cordon"
    with pytest.raises(ValueError, match="unknown policy 'nope'"):
        make_policy("hotspot+nope")
    m = small_model(1, policy="hotspot+cordon")
    m.run(steps=5)
    assert m.summary()["policy"] == "hotspot+cordon"
    assert m.policy.treated_cells(m.policy_view).sum() == m.scenario.spec.policy.hotspots


@pytest.mark.parametrize(("rows", "cols", "n"), [(30, 30, 1), (30, 30, 7), (20, 60, 3), (60, 60, 40)])
def test_tiles_are_equal_rectangles_and_units_are_shared_out_evenly(rows, cols, n):
    labels = tile_labels(rows, cols, n)
    sizes = np.bincount(labels.ravel())
    assert len(sizes) == n and sizes.max() - sizes.min() <= rows + cols
    for k in range(n):
        rr, cc = np.nonzero(labels == k)
        assert sizes[k] == (rr.max() - rr.min() + 1) * (cc.max() - cc.min() + 1)  # a rectangle
    rng = np.random.default_rng(0)
    centres = np.argwhere(labels >= 0)[rng.choice(rows * cols, n, replace=False)]
    got = np.bincount(assign_balanced(rng.integers(0, rows, 2 * n + 1), rng.integers(0, cols, 2 * n + 1),
                                      centres), minlength=n)
    assert got.min() >= 2 and got.max() <= 3


def test_fixed_posts_keep_ground_units_at_their_bases():
    m = small_model(2, policy="fixed_posts").run(steps=90)
    u = m.units
    idle = (u.state == PATROLLING) & ~u.moving & ~u.flies
    assert idle.sum() > 10
    assert np.all(u.r[idle] == u.base_r[idle]) and np.all(u.c[idle] == u.base_c[idle])
    treated = m.policy.treated_cells(m.policy_view)
    assert treated[u.base_r, u.base_c].all()


def test_beat_owners_patrol_only_their_own_beat_and_zone_dispatch_asks_the_owner():
    m = small_model(1, policy="beat", extra={"dispatch.rule": "zone"})
    p, u = m.policy, m.units
    owners = np.flatnonzero(p.owns)
    assert sorted(p.beat_of_unit[owners]) == list(range(len(owners)))  # one beat each
    for draw in np.linspace(0, 0.999, 9):
        tr, tc = p.patrol_targets(m.policy_view, owners, np.full(len(owners), draw))
        assert np.array_equal(p.beats[tr, tc], p.beat_of_unit[owners])
    j = int(owners[3])
    u.state[:] = PATROLLING
    r, c = int(u.base_r[0]), int(u.base_c[0])
    others = np.flatnonzero(p.owns & (p.beat_of_unit != p.beats[r, c]))
    u.r[others], u.c[others] = r, c  # everyone else stands on the incident
    owner = int(np.flatnonzero(p.beat_of_unit == p.beats[r, c])[0])
    assert m.dispatch.choose(_incident(m, r, c), m.dispatch.available())[0] == owner
    assert j in owners


def test_hotspot_plan_ranks_by_counts_or_by_kernel_density():
    m = small_model(1, policy="hotspot", extra={"policy.hotspots": 1})
    m.step()  # the first plan (prior) is made
    crimes = m.metrics.crimes_by_cell
    passable = np.argwhere(m.city.passable[2:-2, 2:-2]) + 2
    lone, cluster = passable[0], passable[-1]
    crimes[0, lone[0], lone[1]] += 5               # one cell with 5 crimes
    crimes[1, cluster[0] - 1: cluster[0] + 2, cluster[1] - 1: cluster[1] + 2] += 2  # 3 x 3 cells with 2
    m.policy.plan(m.policy_view)
    assert m.policy.treated_cells(m.policy_view)[lone[0], lone[1]]
    kde = small_model(1, policy="hotspot", extra={"policy.hotspots": 1, "policy.hotspot_method": "kde",
                                                  "policy.kde_bandwidth_m": 100.0})
    kde.step()
    kde.metrics.crimes_by_cell[:] = crimes
    kde.policy.plan(kde.policy_view)
    assert kde.policy.treated_cells(kde.policy_view)[cluster[0], cluster[1]]


def test_hotspot_replans_daily_by_default_from_the_crimes_of_the_day():
    """With the defaults, a run past one day re-plans from where the day's crimes were.

    A weekly default never re-planned inside a 7-day run: the only plan was the land-use
    prior. Here the plan made at the start of day 2 must be the top cells of day 1's crimes.
    """
    m = small_model(3, policy="hotspot", extra={"time.days": 1.2})
    assert m.spec.policy.replan_days == 1.0
    m.step()
    prior = m.policy.treated_cells(m.policy_view).copy()
    day = round(1440 / m.dt)
    m.run(steps=day - 1)  # the steps of day 1: now == 1440, the re-plan comes with the next step
    day1 = m.metrics.crimes_by_cell.sum(axis=0).copy()
    m.step()
    treated = m.policy.treated_cells(m.policy_view)
    n = m.spec.policy.hotspots
    assert treated.sum() == n and (day1 > 0).sum() >= n
    assert (day1[treated] > 0).all(), "a hotspot without a crime on day 1"
    assert day1[treated].min() >= day1[~treated & m.city.passable].max(), "not the top cells of day 1"
    assert not np.array_equal(treated, prior), "still the land-use prior"
    # and the plan holds until the next day: a few steps later it is the same
    m.run(steps=30)
    assert np.array_equal(m.policy.treated_cells(m.policy_view), treated)


def test_hotspot_units_dwell_then_move_on():
    m = small_model(1, policy="hotspot", extra={"policy.dwell_min": 5.0})
    m.step()
    p, u = m.policy, m.units
    j = int(np.flatnonzero(p.style == "roam")[0])
    a, b = (int(x) for x in p.hot[:2])
    p.hot = np.array([a, b])
    u.r[j], u.c[j] = divmod(a, m.city.cols)
    p.post[j] = a
    p.dwell_until[j] = np.nan
    stay = p.patrol_targets(m, np.array([j]), np.array([0.9]))
    assert (int(stay[0][0]), int(stay[1][0])) == divmod(a, m.city.cols)
    now = m.now
    m.env.run(until=now + 4.0)
    assert divmod(a, m.city.cols) == tuple(int(x[0]) for x in p.patrol_targets(m, np.array([j]), np.array([0.9])))
    m.env.run(until=now + 5.5)
    moved = p.patrol_targets(m, np.array([j]), np.array([0.9]))  # u = 0.9 picks the second hotspot
    assert (int(moved[0][0]), int(moved[1][0])) == divmod(b, m.city.cols)


def test_layered_dispatch_asks_each_echelon_in_order():
    m = small_model(1, policy="layered", extra={"units.motorcycle_squad.count": 4,
                                                "policy.layer_zones": [1, 2, 4]})
    p, kinds = m.policy, _kinds(m)
    r, c = int(m.units.base_r[0]), int(m.units.base_c[0])
    inc = _incident(m, r, c)
    ok = np.ones(len(kinds), bool)
    assert set(kinds[p.eligible_units(m, inc, ok)]) == {"fixed_post"}
    ok &= kinds != "fixed_post"
    first = p.eligible_units(m, inc, ok)
    assert set(kinds[first]) == {"motorcycle_squad"}
    assert np.all(p.zone_of_unit[first] == p.zones[2][r, c])
    ok &= kinds != "motorcycle_squad"
    second = p.eligible_units(m, inc, ok)
    assert set(kinds[second]) == {"patrol_car"} and np.all(p.zone_of_unit[second] == p.zones[1][r, c])
    ok &= kinds != "patrol_car"
    assert set(kinds[p.eligible_units(m, inc, ok)]) == {"strike_vehicle"}
    ok &= kinds != "strike_vehicle"
    assert np.array_equal(p.eligible_units(m, inc, ok), ok)  # then anyone free
    cars = np.flatnonzero(kinds == "patrol_car")
    tr, tc = p.patrol_targets(m, cars, np.linspace(0, 0.99, len(cars)))
    assert np.array_equal(p.zones[1][tr, tc], p.zone_of_unit[cars])


def test_grid_fusion_gives_minor_calls_to_the_district_officer_and_serious_ones_to_vehicles():
    m = small_model(1, policy="grid_fusion")
    p, kinds, u = m.policy, _kinds(m), m.units
    officer = int(np.flatnonzero(kinds == "community_officer")[0])
    r, c = int(u.base_r[officer]), int(u.base_c[officer])
    ok = np.ones(len(kinds), bool)
    minor = p.eligible_units(m, _incident(m, r, c), ok)
    assert minor[officer] and set(kinds[minor]) == {"community_officer"}
    assert np.all(u.zone[minor] == m.city.station_id[r, c])
    serious = p.eligible_units(m, _incident(m, r, c, "robbery", serious=True), ok)
    assert set(kinds[serious]) <= {"patrol_car", "strike_vehicle", "motorcycle_squad"} and serious.any()
    busy_officers = ok & ~((kinds == "community_officer") & (u.zone == m.city.station_id[r, c]))
    assert np.array_equal(p.eligible_units(m, _incident(m, r, c), busy_officers), busy_officers)


def test_motorcycle_squads_wait_at_zone_centres_and_go_first_to_serious_calls():
    m = small_model(1, policy="motorcycle_rapid", extra={"units.motorcycle_squad.count": 4})
    p, kinds = m.policy, _kinds(m)
    squads = np.flatnonzero(kinds == "motorcycle_squad")
    staging = {(int(p.stage_r[j]), int(p.stage_c[j])) for j in squads}
    assert len(staging) == 4
    zones = tile_labels(m.city.rows, m.city.cols, 4)
    assert {int(zones[rc]) for rc in staging} == {0, 1, 2, 3}  # one squad per zone
    m.run(steps=10)
    idle = squads[(m.units.state[squads] == PATROLLING) & ~m.units.moving[squads]]
    assert idle.size and all((int(m.units.r[j]), int(m.units.c[j])) == (p.stage_r[j], p.stage_c[j]) for j in idle)
    ok = np.ones(len(kinds), bool)
    assert set(kinds[p.eligible_units(m, _incident(m, 5, 5, "robbery", True), ok)]) == {"motorcycle_squad"}
    assert np.array_equal(p.eligible_units(m, _incident(m, 5, 5), ok), ok)


def test_cordon_sends_the_nearest_idle_units_to_the_ring_and_lifts_it():
    m = small_model(1, policy="cordon", extra={"policy.cordon_radius_m": 800.0, "policy.cordon_min": 10.0})
    m.step()
    p, u = m.policy, m.units
    ok = m.city.passable
    r, c = next((r, c) for r in range(8, 22) for c in range(8, 22)
                if ok[r, c] and ok[r - 8, c] and ok[r + 8, c] and ok[r, c - 8] and ok[r, c + 8])
    inc = _incident(m, r, c, "robbery", serious=True)
    ring = p.interception_cells(m.policy_view, r, c)
    assert ring.tolist() == [[r - 8, c], [r + 8, c], [r, c - 8], [r, c + 8]]  # the streets out, 800 m
    free = m.dispatch.available() & p.can_hold
    first_choice = int(np.argmin(np.where(free, m.dispatch.travel_minutes(*ring[0]), np.inf)))
    p.close_ring(m.policy_view, inc)
    sent = p.active[0].units
    assert len(sent) == 4 and sent[0] == first_choice
    assert np.all(u.state[sent] == PURSUING)
    assert np.array_equal(np.stack([u.tgt_r[sent], u.tgt_c[sent]], axis=1), ring)
    assert np.asarray(p.checkpoint_cells(m.policy_view)).sum() > 0
    m.env.run(until=m.now + 11.0)
    m.step()
    assert not p.active and np.all(u.state[sent] != PURSUING)
    assert np.isscalar(p.checkpoint_cells(m.policy_view))


def test_a_fleeing_offender_on_a_closed_checkpoint_is_arrested():
    def fleeing_at_checkpoint(close: bool):
        m = small_model(1, policy="cordon", extra={"offenders.capture_probability": 1.0})
        p, o = m.policy, m.offenders
        m.step()
        r, c = (int(x) for x in np.argwhere(p.checkpoints > 0)[-1])
        m.units.state[:] = ON_SCENE  # nobody patrols near the edge
        m.units.r[:], m.units.c[:] = m.city.rows // 2, m.city.cols // 2
        o.status[0], o.timer[0], o.r[0], o.c[0] = FLEEING, 5, r, c
        if close:
            p.active.append(ActiveCordon(-1, [], m.now + 60.0))
        arrests = m.metrics.arrests
        m.step()
        return o.status[0] == JAILED, m.metrics.arrests - arrests

    assert fleeing_at_checkpoint(close=True) == (True, 1)
    caught, _ = fleeing_at_checkpoint(close=False)
    assert not caught
