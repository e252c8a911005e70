"""Correctness of what the performance work changed (speed itself is measured by polsim bench).

The Numba backend visits offenders in cell order and switches between one-thread and parallel
loops by size; the attractiveness field does the same. None of it may change a number.
"""

from __future__ import annotations

import numpy as np
import pytest

from polsim.benchmarks.kernel import kernel_arrays
from polsim.cities.city import generate_city
from polsim.rules.field import _update_parallel, _update_serial, update_field
from polsim.rules.offender import PREFETCH_AHEAD, offenders_loop, offenders_loop_serial, prefetch_ahead
from polsim.scenario import load_spec


def _run_kernel(loop, order, steps=5, ahead=0):
    args = kernel_arrays(4000, 60, seed=3)
    rng = np.random.default_rng(9)
    for _ in range(steps):
        args.draws[:] = rng.random(args.draws.shape)
        loop(order, args, ahead)
    return args[:10]  # the offender rows the rule writes (r .. arrested)


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
    assert (ref[0] != args.r).any() and (ref[2] != args.status).any()


def test_loops_prefetch_only_for_sparse_offenders():
    assert prefetch_ahead(100_000, 921_600) == PREFETCH_AHEAD
    assert prefetch_ahead(1_000_000, 1_000_000) == 0






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




def test_footfall_cached_per_hour_equals_the_raster():
    from polsim import PolicingModel

    model = PolicingModel("default", seed=2, overrides={"time.days": 0.01})
    for hour in (3, 3, 17, 3):
        raster, total = model.metrics.footfall(hour)
        np.testing.assert_array_equal(raster, model.city.footfall(hour))
        assert total == float(model.city.footfall(hour).sum())
    assert model.metrics.footfall(17)[0] is model.metrics.footfall(17)[0]  # built once an hour






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
