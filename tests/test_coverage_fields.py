"""Coverage fields are the engine's travel: equal to scipy's Dijkstra on the same lattice graph,
and to the engine's own searches (path_costs) from each unit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from polsim.cities.city import generate_city
from polsim.coverage.fields import Standing, minutes_field, reach_of_site
from polsim.engine.router import Router
from polsim.engine.units import Units
from polsim.rules.routing import cost_field, path_costs
from polsim.rules.travel import DC8, DR8, DRIVE, SQRT2, slowness
from polsim.scenario import load_scenario


def lattice_graph(w: np.ndarray, rows: int, cols: int):
    """The lattice network as a sparse matrix, built here from the travel rule's text (not its code)."""
    src, dst, cost = [], [], []
    for r in range(rows):
        for c in range(cols):
            a = r * cols + c
            for dr, dc in zip(DR8.tolist(), DC8.tolist(), strict=True):
                rr, cc = r + dr, c + dc
                if not (0 <= rr < rows and 0 <= cc < cols):
                    continue
                b = rr * cols + cc
                if dr and dc:
                    if np.isinf(w[r * cols + cc]) or np.isinf(w[rr * cols + c]):
                        continue
                    e = SQRT2 * (w[a] + w[b])
                else:
                    e = w[a] + w[b]
                if np.isfinite(e):
                    src.append(a)
                    dst.append(b)
                    cost.append(e)
    return coo_matrix((cost, (src, dst)), shape=(rows * cols, rows * cols)).tocsr()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_multi_source_costs_equal_scipy_dijkstra_exactly(seed):
    rng = np.random.default_rng(seed)
    rows, cols = 23, 31
    factor = rng.choice([0.0, 0.125, 0.75, 1.0, 1.25, 2.5], size=(rows, cols), p=[0.2, 0.2, 0.2, 0.2, 0.1, 0.1])
    w = slowness(factor).ravel()
    open_cells = np.flatnonzero(np.isfinite(w))
    srcs = rng.choice(open_cells, size=5, replace=False)
    dist = np.full(rows * cols, np.inf)
    cost_field(srcs.astype(np.int64), w, rows, cols, np.inf, dist)
    expect = dijkstra(lattice_graph(w, rows, cols), indices=srcs, min_only=True)
    np.testing.assert_array_equal(dist, expect)


def test_a_bounded_search_settles_every_cell_within_its_limit():
    rng = np.random.default_rng(5)
    rows, cols = 30, 30
    w = slowness(rng.choice([0.125, 1.0, 2.0], size=(rows, cols))).ravel()
    full = np.full(rows * cols, np.inf)
    cost_field(np.array([17, 400]), w, rows, cols, np.inf, full)
    part = np.full(rows * cols, np.inf)
    touched = cost_field(np.array([17, 400]), w, rows, cols, 6.0, part)
    inside = full <= 6.0
    np.testing.assert_array_equal(part[inside], full[inside])
    assert set(np.flatnonzero(np.isfinite(part))) == set(touched.tolist())


@pytest.fixture(scope="module")
def default_units():
    scenario = load_scenario("default")
    city = generate_city(scenario.spec.city)
    units = Units.build(scenario.spec, city)
    return city, units, Router(city, units)


def test_the_field_is_the_fastest_units_minutes_by_the_engines_search(default_units):
    city, units, router = default_units
    who = np.flatnonzero(units.mode != 2)  # ground units of every type: several rates and both modes
    field = minutes_field(router, Standing(who, units.base_r[who], units.base_c[who]), congestion=0.6)
    rate = router.units.rates(0.6)
    targets = np.arange(city.rows * city.cols)
    per_unit = np.full((who.size, targets.size), np.inf)
    for k, u in enumerate(who):
        src = int(units.base_r[u] * city.cols + units.base_c[u])
        s = router.scratch
        per_unit[k] = path_costs(src, router.w[units.mode[u]], city.rows, city.cols, targets, s.dist, s.pred) / rate[u]
    np.testing.assert_array_equal(field.ravel(), per_unit.min(axis=0))


def test_a_limited_field_keeps_the_cells_within_the_limit(default_units):
    city, units, router = default_units
    who = np.flatnonzero(units.mode == DRIVE)
    standing = Standing(who, units.base_r[who], units.base_c[who])
    full = minutes_field(router, standing, 1.0)
    part = minutes_field(router, standing, 1.0, limit_min=3.0)
    np.testing.assert_array_equal(part[full <= 3.0], full[full <= 3.0])
    assert np.isinf(part[full > 3.0]).all()


def test_flying_units_fly_straight(default_units):
    city, units, router = default_units
    drone = int(np.flatnonzero(units.mode == 2)[0])
    field = minutes_field(router, Standing(np.array([drone]), np.array([10]), np.array([20])), 1.0)
    rate = router.units.rates(1.0)[drone]
    assert field[10, 20] == 0.0
    assert field[13, 24] == pytest.approx((4 + (SQRT2 - 1) * 3) / rate)


def test_a_sites_reach_is_its_own_field_within_the_band(default_units):
    city, units, router = default_units
    u = int(np.flatnonzero(units.mode == DRIVE)[0])
    cell = 25 * city.cols + 30
    field = minutes_field(router, Standing(np.array([u]), np.array([25]), np.array([30])), 0.7)
    reach = reach_of_site(router, u, cell, 0.7, 3.0, np.full(city.rows * city.cols, np.inf))
    np.testing.assert_array_equal(reach, np.flatnonzero(field.ravel() <= 3.0))
