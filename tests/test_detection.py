"""Detection: who notices a crime first, and when the call reaches dispatch."""

from __future__ import annotations

import numpy as np
import pytest

from polsim.engine.detection import Detector, exponential
from polsim.engine.units import ON_SCENE, PATROLLING
from tests.conftest import small_model

#: draws that make every detector fire (chance draws 0), with zero delays (delay draws 0)
ALL_FIRE = np.zeros(11)


def _quiet_cell(m):
    """A cell nobody sees: no unit, guardian or camera in sight."""
    p = m.presence
    free = (p.police_sight == 0) & (p.grid_workers == 0) & (p.volunteers == 0) & ~m.city.camera & m.city.passable
    r, c = np.argwhere(free)[0]
    return int(r), int(c)


def test_a_free_unit_that_sees_the_crime_takes_it_on_view():
    m = small_model(1)
    m.step()
    m.presence.stamp(m.on_duty())  # the rasters where the units stand now
    j = int(np.flatnonzero(m.units.responds & (m.units.sight_cells > 0))[0])
    r, c = int(m.units.r[j]), int(m.units.c[j])
    crime = m.spec.crimes["robbery"]
    found = m.detector.detect(r, c, 5.0, crime, ALL_FIRE)
    assert found.detector == "on_view" and found.t_call == 5.0 and found.on_view_unit == m.presence.unit_seeing(r, c)
    # a busy unit that sees it calls it in: the call comes after the relay, and no unit is taken
    m.units.state[:] = ON_SCENE
    busy = m.detector.detect(r, c, 5.0, crime, ALL_FIRE)
    assert busy.detector == "on_view" and busy.on_view_unit == -1
    assert busy.t_call == pytest.approx(5.0 + m.spec.dispatch.relay_min)
    m.units.state[:] = PATROLLING


def test_nobody_in_sight_leaves_the_victim_and_witnesses():
    m = small_model(2, extra={"guardians.witness_rate": 0.0})
    m.step()
    m.presence.stamp(m.on_duty())
    r, c = _quiet_cell(m)
    crime = m.spec.crimes["burglary"]
    u = np.full(11, 0.99)
    u[8], u[9] = 0.0, 0.5  # the victim reports, after the median of its delay
    found = m.detector.detect(r, c, 0.0, crime, u)
    assert found.detector == "victim"
    assert found.t_call == pytest.approx(exponential(crime.report_delay_min, 0.5))
    u[8] = crime.report_probability + 1e-9  # the victim does not report: nobody does
    assert m.detector.detect(r, c, 0.0, crime, u) is None


def test_the_earliest_detector_wins_and_guardians_relay_to_dispatch():
    class Sees:
        grid_workers = np.ones((3, 3), np.int32)
        volunteers = np.zeros((3, 3), np.int32)

        def unit_seeing(self, r, c):
            return -1

    class City:
        camera = np.zeros((3, 3), bool)

        def footfall_at(self, r, c, hour):
            return 0.0

    m = small_model(3)
    spec = m.spec.guardians
    detector = Detector(spec, 0.5, City(), Sees(), m.clock, can_take=lambda j: True)
    u = np.full(11, 0.99)
    u[2], u[3] = 0.0, 0.2  # the grid worker sees it, with a short delay
    u[8], u[9] = 0.0, 0.9  # the victim too, much later
    found = detector.detect(1, 1, 10.0, m.spec.crimes["robbery"], u)
    t = 10.0 + exponential(spec.grid_worker_delay_min, 0.2)
    assert found.detector == "grid_worker" and found.t_detect == pytest.approx(t)
    assert found.t_call == pytest.approx(t + 0.5)  # relayed to dispatch


def test_witnesses_call_more_where_more_people_are():
    m = small_model(4)
    footfall = m.city.footfall_base
    busy, quiet = np.unravel_index(np.argmax(footfall), footfall.shape), np.unravel_index(
        np.argmin(np.where(m.city.passable, footfall, np.inf)), footfall.shape)
    assert footfall[busy] > footfall[quiet]
    chance = {cell: 1 - np.exp(-m.spec.guardians.witness_rate * m.city.footfall_at(*cell, m.hour))
              for cell in (busy, quiet)}
    assert chance[busy] > chance[quiet]
