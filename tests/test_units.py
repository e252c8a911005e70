"""Units: the one owner of unit state. Transitions, shifts, speed, and that nobody else writes a state."""

from __future__ import annotations

import numpy as np

from polsim.engine.units import DISPATCHED, OFF_SHIFT, ON_SCENE, PATROLLING, PURSUING, RETURNING, UNIT_STATES, Units
from tests.conftest import small_model


def test_ground_units_stand_only_on_open_cells_and_flyers_may_cross_blocked_land():
    m = small_model(4, extra={"city.land_use.blocked": 0.3})
    u, passable = m.units, m.city.passable
    ground = u.mode != 2
    for _ in range(240):
        m.step()
        assert passable[u.r[ground], u.c[ground]].all()

def test_shifts_take_units_off_duty():
    m = small_model(8, extra={"units.patrol_car.shift": [10, 11], "time.days": 0.2})  # run starts at 10:00
    cars = m.units.type_idx == m.units.type_names.index("patrol_car")
    m.run(steps=30)
    assert not np.any(m.units.state[cars] == 5)
    m.run(steps=150)
    idle_or_off = m.units.state[cars]
    assert np.all(np.isin(idle_or_off, (5, DISPATCHED, ON_SCENE)))
    assert (idle_or_off == 5).sum() >= cars.sum() - 2


def test_on_duty_follows_the_shift_hours_at_every_step():
    """Across midnight, from a non-zero start hour and with steps that do not divide an hour,
    the kept on-duty masks equal the shift rule evaluated afresh."""
    m = small_model(2, extra={"units.patrol_car.shift": [20, 30], "units.community_officer.shift": [7, 15],
                              "time.start_hour": 5, "time.step_minutes": 7.0, "time.days": 2})
    start, end = m.units.shift[:, 0], m.units.shift[:, 1]
    seen = set()
    for _ in range(m.max_steps):
        hod = (5 + m.now / 60.0) % 24
        fresh = ((hod >= start) & (hod < end)) | ((hod + 24 >= start) & (hod + 24 < end))
        duty = m.on_duty()
        np.testing.assert_array_equal(duty, fresh)
        assert not duty.flags.writeable
        seen.add(tuple(duty))
        m.step()
    assert len(seen) >= 3  # the cars' night shift, the officers' day shift and both off


def test_in_state_equals_isin():
    from polsim import PolicingModel
    from polsim.engine.units import AVAILABLE_STATES, BUSY_STATES

    model = PolicingModel("default", seed=2, overrides={"time.days": 0.01})
    u = model.units
    u.state[:] = np.random.default_rng(5).integers(0, 6, len(u))
    for states in (BUSY_STATES, AVAILABLE_STATES, (0,), (1, 4)):
        np.testing.assert_array_equal(u.in_state(states), np.isin(u.state, states))


def _units(n_cars: int = 2, **car) -> Units:
    """Units of the default scenario's city with ``n_cars`` patrol cars (fields ``car`` set)."""
    from polsim.cities.source import city_for
    from polsim.scenario import load_spec

    spec, _ = load_spec("default", {"units": {"car": {"kind": "patrol_car", "count": n_cars, **car}}})
    return Units.build(spec, city_for(spec.city))


def test_type_columns_are_built_once_from_the_unit_type():
    u = _units(3, speed_kmh=36.0, sight_m=240.0, capture_m=0.0, can_arrest=False, crew=3, shift=[6, 30])
    assert u.speed == __import__("pytest").approx(36_000 / 60 / 100)  # cells per minute on 100 m cells
    assert (u.sight_cells == 2).all() and (u.capture_cells == -1).all()  # cannot arrest: no capture disk
    assert (u.crew == 3).all() and (u.kind == "patrol_car").all() and (u.shift == [6, 30]).all()


def test_a_job_goes_send_arrive_release_and_back_to_patrol():
    u = _units()
    u.send(0, incident=7, r=3, c=4, path=np.array([u.r[0] * 60 + u.c[0], 3 * 60 + 4]))
    assert u.path_len[0] == 2 and u.path_at[0] == 0
    assert UNIT_STATES[u.state[0]] == "dispatched" and u.incident[0] == 7 and (u.tgt_r[0], u.tgt_c[0]) == (3, 4)
    assert u.moving[0] and u.state[1] == PATROLLING
    u.arrive(0)
    assert u.state[0] == ON_SCENE
    u.release(0, on_duty=True)
    assert u.state[0] == PATROLLING and u.incident[0] == -1 and not u.moving[0]


def test_release_at_the_end_of_a_shift_sends_the_unit_home_off_duty():
    u = _units()
    u.r[0], u.c[0] = 9, 9
    u.send(0, 1, 9, 9, np.array([549]))
    u.release(0, on_duty=False)
    assert u.state[0] == OFF_SHIFT and (u.r[0], u.c[0]) == (u.base_r[0], u.base_c[0])


def test_return_to_base_drives_home_unavailable_until_there():
    u = _units()
    u.send(0, 1, 9, 9, np.array([549]))
    home = np.array([549, int(u.base_r[0] * 60 + u.base_c[0])])
    u.release(0, on_duty=True, home=home)
    assert u.state[0] == RETURNING and u.path_len[0] == 2 and u.moving[0]
    assert (u.tgt_r[0], u.tgt_c[0]) == (u.base_r[0], u.base_c[0])
    assert not u.available(return_to_base=True)[0] and u.available(return_to_base=False)[0]
    assert u.back_at_base(0) and u.state[0] == PATROLLING
    assert not u.back_at_base(0)  # only a unit driving home comes back


def test_pursuit_and_shift_changes():
    u = _units(3)
    u.pursue(1, 5, 6, np.array([u.r[1] * 60 + u.c[1], 5 * 60 + 6]))
    assert u.state[1] == PURSUING and (u.tgt_r[1], u.tgt_c[1]) == (5, 6)
    u.r[0], u.c[0], u.moving[0] = 20, 20, True
    u.change_shifts(np.array([False, False, True]))
    # the idle unit leaves (home at once); the pursuing one finishes first; the third stays
    assert u.state[0] == OFF_SHIFT and not u.moving[0] and (u.r[0], u.c[0]) == (u.base_r[0], u.base_c[0])
    assert u.state[1] == PURSUING and u.state[2] == PATROLLING
    u.change_shifts(np.ones(3, bool))
    assert u.state[0] == PATROLLING


def test_only_the_owners_write_the_state_of_units_and_offenders():
    """No engine module but ``units.py`` and ``offenders.py`` (and the compiled rules, which the
    owners hand their arrays) assigns into a ``state``, ``status``, ``incident`` or ``moving``
    array: the others ask the owner's transitions."""
    import ast
    from pathlib import Path

    sim = Path(__file__).resolve().parents[1] / "sim"
    owned = {"state", "status", "incident", "moving", "tgt_r", "tgt_c"}
    writers = []
    for path in sim.rglob("*.py"):
        rel = path.relative_to(sim)
        if rel.name in ("units.py", "offenders.py") or rel.parts[0] == "rules":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AugAssign) else [])
            for sub in (s for target in targets for s in ast.walk(target)):
                if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Attribute) and sub.value.attr in owned:
                    writers.append(f"{rel}:{node.lineno} {ast.unparse(sub)}")
    assert not writers, writers
