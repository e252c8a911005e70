"""The dispatch centre: which unit goes, in which order, with backup, and what it frees."""

from __future__ import annotations

import numpy as np
import pytest

from polsim.engine.incident import Incident
from polsim.engine.units import ON_SCENE, PATROLLING
from tests.conftest import small_model


def _incident(m, r, c, priority=2) -> Incident:
    inc = Incident(10_000, "robbery", priority, r, c, 0.0, 10.0)
    inc.t_call = 0.0
    inc.arrived = m.env.event()
    return inc


def test_dispatch_sends_the_available_unit_with_the_shortest_travel_time():
    m = small_model(1)
    u = m.units
    cars = np.flatnonzero(u.speed_cells_per_min == u.speed_cells_per_min.max())
    u.state[:] = ON_SCENE  # everyone busy...
    a, b, c = (int(j) for j in np.flatnonzero(u.responds & (u.flies == False))[:3])  # noqa: E712
    for j, (r, col) in zip((a, b, c), ((5, 5), (5, 12), (20, 20)), strict=True):
        u.state[j] = PATROLLING
        u.r[j], u.c[j] = r, col
    inc = _incident(m, 6, 8)
    minutes = m.dispatch.travel_minutes(6, 8)
    assert m.dispatch.choose(inc, m.dispatch.available())[0] == min((a, b, c), key=lambda j: minutes[j])
    u.state[min((a, b, c), key=lambda j: minutes[j])] = ON_SCENE  # the nearest gets busy: next best
    remaining = [j for j in (a, b, c) if u.state[j] == PATROLLING]
    assert m.dispatch.choose(inc, m.dispatch.available())[0] == min(remaining, key=lambda j: minutes[j])
    assert len(cars) > 0


def test_zone_rule_prefers_the_incidents_own_zone():
    m = small_model(1, extra={"dispatch.rule": "zone"})
    u, city = m.units, m.city
    u.state[:] = ON_SCENE
    r, c = int(u.base_r[0]), int(u.base_c[0])
    zone = city.station_id[r, c]
    own = int(np.flatnonzero((u.zone == zone) & u.responds)[0])
    other = int(np.flatnonzero((u.zone != zone) & u.responds & ~u.flies)[0])
    u.state[[own, other]] = PATROLLING
    u.r[other], u.c[other] = r, c  # the other zone's unit stands right on the incident
    u.r[own], u.c[own] = (r + 6) % city.rows, (c + 6) % city.cols  # farther away
    inc = _incident(m, r, c)
    assert m.dispatch.choose(inc, m.dispatch.available())[0] == own
    m.dispatch.rule = "avl"
    assert m.dispatch.choose(inc, m.dispatch.available())[0] == other


def test_serious_incidents_get_backup(monkeypatch):
    m = small_model(6, extra={"time.days": 0.5})
    closed = []  # an incident's units are kept only while it is live: look at each as it closes
    close = m.incidents.close
    monkeypatch.setattr(m.incidents, "close", lambda inc, now: (closed.append(inc), close(inc, now)))
    m.run()
    serious = [i for i in closed if i.serious]
    assert serious and any(len(i.units) >= 2 for i in serious)
    assert all(len(i.units) <= 1 for i in closed + m.incidents.live() if not i.serious and not i.on_view)


def test_first_unit_is_at_the_scene_when_it_arrives():
    m = small_model(3)
    checked = 0
    for _ in range(360):
        m.step()
        for inc in m.incidents.live():
            j = inc.first_unit
            if j >= 0 and inc.is_open and m.units.incident[j] == inc.id and m.units.state[j] == ON_SCENE:
                assert (m.units.r[j], m.units.c[j]) == (inc.r, inc.c)
                checked += 1
    assert checked > 10


def test_the_nearest_by_the_travel_rule_is_the_one_that_arrives_first():
    """Dispatch's choice and movement read one travel rule: on a city of fast and slow roads and
    blocked land, the unit dispatch picks as nearest reaches the call first, and every unit
    arrives at the minute the network's travel time said."""
    m = small_model(1, extra={"city.land_use.blocked": 0.25, "offenders.count": 0})
    u = m.units
    ground = np.flatnonzero(u.responds & ~u.flies)
    u.state[:] = ON_SCENE
    u.state[ground] = PATROLLING
    u.moving[:] = False
    r, c = (int(x) for x in np.argwhere(m.city.passable)[400])
    minutes = m.dispatch.travel_minutes(r, c)
    first, path = m.dispatch.choose(_incident(m, r, c), m.dispatch.available())
    assert first == min(ground, key=lambda j: minutes[j]) and path[-1] == r * m.city.cols + c
    for j in ground:
        u.send(int(j), 1, r, c, m.router.route(int(j), r, c))
    arrived = {}
    m._prepare_step_args()
    m.step_args = m.step_args._replace(units=u.movement_args(m.dispatch.congestion, m.router.w[0], m.router.w[1],
                                                             m.city.cols, m.dt))
    for step in range(3000):
        m.backend.step_units(m)
        for j in np.flatnonzero(u.arrive_frac >= 0):
            arrived.setdefault(int(j), step + float(u.arrive_frac[j]))
        if len(arrived) == len(ground):
            break
    assert min(arrived, key=arrived.get) == first
    for j in ground:
        assert arrived[int(j)] == pytest.approx(minutes[j], rel=1e-9, abs=1e-9)


def test_a_closed_incident_frees_its_units_and_serves_the_queue():
    m = small_model(2, extra={"dispatch.backup_units": 0})
    u = m.units
    u.state[:] = ON_SCENE
    j = int(np.flatnonzero(u.responds & ~u.flies)[0])
    u.state[j] = PATROLLING
    first, second = _incident(m, 5, 5), _incident(m, 6, 6)
    second.id = first.id + 1
    m.dispatch.enqueue(first)
    m.dispatch.enqueue(second)
    assert first.units == [j] and m.dispatch.calls_waiting == 1  # one unit, two calls
    u.arrive(j)
    m.dispatch.finish(first)
    assert second.units == [j] and u.incident[j] == second.id and m.dispatch.calls_waiting == 0


def test_calls_wait_in_priority_order():
    m = small_model(3)
    u = m.units
    u.state[:] = ON_SCENE
    minor, urgent = _incident(m, 5, 5, priority=3), _incident(m, 20, 20, priority=1)
    urgent.id = minor.id + 1
    m.dispatch.enqueue(minor)
    m.dispatch.enqueue(urgent)
    j = int(np.flatnonzero(u.responds & ~u.flies)[0])
    u.r[j], u.c[j] = 5, 5  # next to the minor call
    u.state[j] = PATROLLING
    m.dispatch.dispatch_waiting()
    assert urgent.units == [j] and not minor.units  # the urgent call first, though farther
