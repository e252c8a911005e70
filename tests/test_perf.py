"""Correctness of what the performance work changed (speed itself is measured by polsim bench).

The Numba backend visits offenders in cell order and switches between one-thread and parallel
loops by size; the attractiveness field does the same. None of it may change a number.
"""

from __future__ import annotations

import numpy as np
import pytest

from polsim.benchmarks.kernel import kernel_arrays
from polsim.city import generate_city
from polsim.rules.field import _update_parallel, _update_serial, update_field
from polsim.rules.offender import PREFETCH_AHEAD, offenders_loop, offenders_loop_serial, prefetch_ahead
from polsim.scenario import load_spec


def _run_kernel(loop, order, steps=5, ahead=0):
    args = kernel_arrays(4000, 60, seed=3)
    rng = np.random.default_rng(9)
    for _ in range(steps):
        args[-1][:] = rng.random(args[-1].shape)
        loop(order, args, ahead)
    return args[:10]  # the offender rows the rule writes


def test_offender_visit_order_threads_and_prefetch_do_not_change_results():
    n = 4000
    args = kernel_arrays(n, 60, seed=3)
    ref = _run_kernel(offenders_loop_serial, np.arange(n))
    for loop, order, ahead in ((offenders_loop, np.arange(n), 0),
                               (offenders_loop_serial, np.arange(n)[::-1].copy(), 0),
                               (offenders_loop, np.random.default_rng(1).permutation(n), 0),
                               (offenders_loop_serial, np.arange(n), PREFETCH_AHEAD),
                               (offenders_loop, np.arange(n), 3)):
        for a, b in zip(ref, _run_kernel(loop, order, ahead=ahead), strict=True):
            np.testing.assert_array_equal(a, b)
    # the rule really acted: some moved, some offended or fled
    assert (ref[0] != args[0]).any() and (ref[2] != args[2]).any()


def test_loops_prefetch_only_for_sparse_offenders():
    assert prefetch_ahead(100_000, 921_600) == PREFETCH_AHEAD
    assert prefetch_ahead(1_000_000, 1_000_000) == 0


def test_sort_by_cell_moves_whole_rows():
    from polsim.population import Offenders

    city = generate_city(load_spec("default")[0].city)
    o = Offenders.place(city, 500, np.random.default_rng(2))
    o.status[::7] = 2
    before = {name: arr.copy() for name, arr in vars(o).items()}
    order = o.sort_by_cell(city.cols)
    key = o.r * city.cols + o.c
    assert (np.diff(key) >= 0).all() and sorted(order.tolist()) == list(range(500))
    for name, arr in vars(o).items():  # every array follows its row, ids included
        np.testing.assert_array_equal(arr, before[name][order])


def test_mesa_agents_follow_their_offender_through_a_re_sort():
    from polsim.agents import Offender
    from polsim.model import SORT_EVERY
    from tests.conftest import small_model

    m = small_model(4, "mesa")
    m.run(SORT_EVERY - 1)
    agents = list(m.agents_by_type[Offender])
    who = {a.unique_id: int(m.offenders.id[a.index]) for a in agents}
    m._sort_offenders()
    assert all(int(m.offenders.id[a.index]) == who[a.unique_id] for a in agents)
    assert sorted(a.index for a in agents) == list(range(len(m.offenders)))


@pytest.mark.parametrize("periodic", [False, True])
def test_field_serial_and_parallel_agree_bitwise(periodic):
    rng = np.random.default_rng(4)
    b = rng.random((50, 70)) * 1e-3
    passable = rng.random(b.shape) > 0.1
    one, two = np.zeros_like(b), np.zeros_like(b)
    _update_serial(b, one, passable, 0.3, 0.99, periodic)
    _update_parallel(b, two, passable, 0.3, 0.99, periodic)
    np.testing.assert_array_equal(one, two)
    assert (one != b).any()


def test_field_adds_listed_crimes_as_the_formula_does():
    """Crimes added cell by cell after the pass give, to the bit, ``smooth * decay + theta E``
    computed in one expression over the whole city (the rule before the sparse events)."""
    rng = np.random.default_rng(4)
    b = rng.random((50, 70)) * 1e-3
    passable = rng.random(b.shape) > 0.1
    crime_r, crime_c = rng.integers(0, 50, 40), rng.integers(0, 70, 40)
    crime_r[1], crime_c[1] = crime_r[0], crime_c[0]  # two crimes in one cell
    crime_r[2:5], crime_c[2:5] = crime_r[6], crime_c[6]  # four in another, listed apart
    dense = np.zeros_like(b)
    np.add.at(dense, (crime_r, crime_c), 1.0)
    smooth = np.zeros_like(b)
    _update_serial(b, smooth, passable, 0.3, 0.99, False)
    out = np.zeros_like(b)
    update_field(b, out, crime_r, crime_c, passable, 0.3, 0.99, 4e-5, False)
    expected = np.where(passable, smooth + 4e-5 * dense, 0.0)
    np.testing.assert_array_equal(out, expected)
    assert (out != smooth).sum() > 25


def test_footfall_at_is_the_raster_value():
    spec, _ = load_spec("default", {})
    city = generate_city(spec.city)
    for hour in (0, 7, 18, 23, 30):
        full = city.footfall(hour)
        for r, c in ((0, 0), (12, 40), (59, 59)):
            assert city.footfall_at(r, c, hour) == full[r, c]


def test_in_state_equals_isin():
    from polsim import PolicingModel
    from polsim.dispatch import AVAILABLE_STATES, BUSY_STATES

    model = PolicingModel("default", seed=2, overrides={"time.days": 0.01})
    u = model.units
    u.state[:] = np.random.default_rng(5).integers(0, 6, len(u))
    for states in (BUSY_STATES, AVAILABLE_STATES, (0,), (1, 4)):
        np.testing.assert_array_equal(u.in_state(states), np.isin(u.state, states))


def test_footfall_cached_per_hour_equals_the_raster():
    from polsim import PolicingModel

    model = PolicingModel("default", seed=2, overrides={"time.days": 0.01})
    for hour in (3, 3, 17, 3):
        raster, total = model.metrics.footfall(hour)
        np.testing.assert_array_equal(raster, model.city.footfall(hour))
        assert total == float(model.city.footfall(hour).sum())
    assert model.metrics.footfall(17)[0] is model.metrics.footfall(17)[0]  # built once an hour


def _fresh_presence(model, on_duty, checkpoints):
    """The presence rasters cleared and stamped from scratch (the rule before delta stamping)."""
    from polsim.rules.presence import stamp_disks

    p, u, g = model.presence, model.units, model.guardians
    shape = model.b.shape
    out = {}
    for name, radius, who, r, c in (("police_deter", p.unit_deter, on_duty, u.r, u.c),
                                    ("police_sight", p.unit_sight, on_duty, u.r, u.c),
                                    ("capture", p.unit_capture, on_duty, u.r, u.c),
                                    ("grid_workers", p.guardian_sight, g.grid_worker, g.r, g.c),
                                    ("volunteers", p.guardian_sight, ~g.grid_worker, g.r, g.c)):
        out[name] = np.zeros(shape)
        stamp_disks(out[name], r, c, radius, np.ones(len(r)), who)
    out["capture"] += checkpoints
    spec = model.spec
    out["deterrence"] = out["police_deter"] * spec.deterrence.police
    out["deterrence"] += spec.guardians.grid_worker_deterrence * out["grid_workers"]
    out["deterrence"] += spec.guardians.volunteer_deterrence * out["volunteers"]
    out["deterrence"] += spec.guardians.camera_deterrence * model.city.camera
    return out


def test_presence_moved_disks_equal_a_fresh_stamp():
    from polsim import PolicingModel

    model = PolicingModel("default", seed=4, overrides={"time.days": 0.1})
    rng = np.random.default_rng(8)
    u, g, rows = model.units, model.guardians, model.city.rows
    cordon = (rng.random(model.b.shape) < 0.01).astype(np.int32)
    edges = [0, 1, rows - 2, rows - 1]
    for step in range(18):
        # every third step units jump anywhere (half of them onto the rows and columns at the
        # city's edge, where disks are cut), the steps between they and the guardians take one
        # step along a row or column; units go on and off duty; a cordon comes and goes
        if step % 3 == 0:
            u.r[:], u.c[:] = rng.integers(0, rows, len(u)), rng.integers(0, rows, len(u))
            u.r[::4], u.c[1::4] = rng.choice(edges, u.r[::4].size), rng.choice(edges, u.c[1::4].size)
            g.r[::3] = rng.integers(0, rows, g.r[::3].size)
        else:
            for r, c in ((u.r, u.c), (g.r, g.c)):
                along_rows = rng.random(len(r)) < 0.5
                step_by = rng.choice([-1, 1], len(r))
                r[:] = np.clip(r + along_rows * step_by, 0, rows - 1)
                c[:] = np.clip(c + ~along_rows * step_by, 0, rows - 1)
        on_duty = rng.random(len(u)) < 0.7
        checkpoints = cordon if step % 4 == 1 else 0
        model.policy.checkpoint_cells = lambda _m, cp=checkpoints: cp
        model.presence.stamp(on_duty)
        fresh = _fresh_presence(model, on_duty, checkpoints)
        for name, raster in fresh.items():
            np.testing.assert_array_equal(getattr(model.presence, name), raster, err_msg=name)
    assert model.presence.police_deter.sum() > 0 and model.presence.capture.max() > 0


def test_city_passes_serial_and_parallel_agree_bitwise():
    """Walk weights, deterrence and the visibility sum give the same numbers on one core or all."""
    from polsim.rules import offender, presence

    rng = np.random.default_rng(5)
    shape = (64, 70)
    a0, b = rng.random(shape) * 1e-3, rng.random(shape) * 1e-4
    counts = [rng.poisson(0.3, shape).astype(np.int32) for _ in range(3)]
    passable, camera = rng.random(shape) > 0.1, rng.random(shape) < 0.2
    one, two = np.zeros(shape), np.zeros(shape)
    offender._walk_weights_serial(one, a0, b, 0.8, counts[0], 1.3, passable)
    offender._walk_weights_parallel(two, a0, b, 0.8, counts[0], 1.3, passable)
    np.testing.assert_array_equal(one, two)
    assert (one[~passable] == 0).all() and (one[passable & (counts[0] == 0)] > 0).all()
    weights = (1.5, 0.5, 0.15, 0.2)
    presence._deterrence_serial(one, *counts, camera, *weights)
    presence._deterrence_parallel(two, *counts, camera, *weights)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(one, 1.5 * counts[0] + 0.5 * counts[1] + 0.15 * counts[2] + 0.2 * camera)
    rows_one, rows_two = np.zeros(shape[0]), np.zeros(shape[0])
    presence._row_sums_serial(a0, counts[1], rows_one)
    presence._row_sums_parallel(a0, counts[1], rows_two)
    np.testing.assert_array_equal(rows_one, rows_two)
    assert presence.sum_where_positive(a0, counts[1]) == pytest.approx(a0[counts[1] > 0].sum(), rel=1e-12)
