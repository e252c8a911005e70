"""Travel on the lattice's network: searches against scipy's Dijkstra, rivers and bridges, and
dispatch by network time rather than straight-line distance."""

from __future__ import annotations

import dataclasses
import multiprocessing

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from polsim.cities.city import BLOCKED
from polsim.cities.source import city_for
from polsim.engine.router import Router
from polsim.engine.trip_search import search_trips
from polsim.engine.units import Units
from polsim.rules.routing import Scratch, nearest_unit, path_costs, route, routes
from polsim.rules.travel import DC8, DR8, edge_cost, slowness
from polsim.scenario import load_spec


def _graph(w, rows, cols):
    """The network as a scipy sparse matrix, edge by edge from the travel rule."""
    i, j, v = [], [], []
    for x in range(rows * cols):
        for m in range(8):
            r, c = x // cols + DR8[m], x % cols + DC8[m]
            if 0 <= r < rows and 0 <= c < cols:
                cost = edge_cost(w, x, r * cols + c, cols)
                if np.isfinite(cost):
                    i.append(x), j.append(r * cols + c), v.append(cost)
    return csr_matrix((v, (i, j)), shape=(rows * cols, rows * cols))


@pytest.fixture(scope="module")
def network():
    rng = np.random.default_rng(1)
    rows, cols = 40, 50
    factor = rng.choice([0.0, 0.75, 1.25, 0.125], size=(rows, cols), p=[0.15, 0.5, 0.2, 0.15])
    w = slowness(factor).ravel()
    return rows, cols, w, _graph(w, rows, cols), rng


def test_searches_equal_scipys_dijkstra(network):
    rows, cols, w, graph, rng = network
    s = Scratch(rows * cols)
    open_cells = np.flatnonzero(np.isfinite(w))
    for src in open_cells[rng.choice(open_cells.size, 5, replace=False)]:
        ref = dijkstra(graph, indices=src)
        targets = open_cells[rng.choice(open_cells.size, 40)]
        np.testing.assert_allclose(path_costs(src, w, rows, cols, targets, s.dist, s.pred), ref[targets])
        rate = rng.uniform(0.5, 2.0, targets.size)
        k, t, path = nearest_unit(src, w, rows, cols, targets, rate, np.inf, s.dist, s.pred, s.head,
                                  w[np.isfinite(w)].min(), w[np.isfinite(w)].max())
        assert t == pytest.approx(np.min(ref[targets] / rate)) and k == int(np.argmin(ref[targets] / rate))
        assert path[0] == targets[k] and path[-1] == src
        assert sum(edge_cost(w, path[i], path[i + 1], cols) for i in range(len(path) - 1)) == pytest.approx(
            ref[targets[k]])
        a, b = targets[:2]
        shortest = route(a, b, w, rows, cols, w[np.isfinite(w)].min(), 1.0, s.dist, s.pred)
        greedy = route(a, b, w, rows, cols, w[np.isfinite(w)].min(), 1.5, s.dist, s.pred)
        best = dijkstra(graph, indices=a)[b]
        for p, bound in ((shortest, 1.0), (greedy, 1.5)):
            if np.isinf(best):
                assert p.size == 0
                continue
            cost = sum(edge_cost(w, p[i], p[i + 1], cols) for i in range(len(p) - 1))
            assert p[0] == a and p[-1] == b and best - 1e-9 <= cost <= bound * best + 1e-9
    assert np.isinf(s.dist).all() and (s.pred == -1).all() and (s.head == -1).all()  # scratch left clean


def test_a_search_bounded_by_a_faster_unit_explores_less_and_finds_none():
    rows, cols = 200, 200
    w = np.full(rows * cols, 0.5)
    s = Scratch(rows * cols)
    far = np.array([199 * cols + 199])
    k, t, path = nearest_unit(0, w, rows, cols, far, np.array([1.0]), 5.0, s.dist, s.pred, s.head, 0.5, 0.5)
    assert k == -1 and t == 5.0 and path.size == 0  # another unit is 5 minutes away: this one cannot beat it


def _river_city():
    """The default city with a river across it (blocked rows 29-30) and one bridge at column 45."""
    spec, _ = load_spec("default", {"city.land_use.blocked": 0.0})
    city = city_for(spec.city)
    land_use, road = city.land_use.copy(), city.road_kmh.copy()
    land_use[29:31, :] = BLOCKED
    road[29:31, :] = 0.0
    land_use[29:31, 45] = 0  # the bridge
    road[29:31, 45] = 40.0
    return spec, dataclasses.replace(city, land_use=land_use, road_kmh=road, foot=land_use != BLOCKED)


def _units(spec, city, cells):
    spec = dataclasses.replace(spec, units={"car": dataclasses.replace(spec.units["patrol_car"], count=len(cells),
                                                                     base_cells=[list(c) for c in cells])})
    return Units.build(spec, city)


def test_a_unit_across_the_river_goes_round_by_the_bridge():
    spec, city = _river_city()
    units = _units(spec, city, [(25, 10)])
    router = Router(city, units)
    path = router.route(0, 35, 10)
    cells = {divmod(int(x), city.cols) for x in path}
    assert {(29, 45), (30, 45)} <= cells  # over the bridge
    assert all(city.passable[r, c] for r, c in cells)
    straight = router.minutes(35, 10, 1.0)[0]
    # 10 cells as the crow flies; the bridge is 35 columns away
    assert straight > 2 * (10 / units.speed_cells_per_min[0])


def test_avl_sends_the_unit_with_the_shorter_network_time_not_the_shorter_straight_line():
    spec, city = _river_city()
    near_but_across, far_on_this_side = (25, 10), (35, 30)  # 10 and 20 cells from (35, 10)
    units = _units(spec, city, [near_but_across, far_on_this_side])
    router = Router(city, units)
    unit, path = router.nearest(35, 10, np.ones(2, bool), 1.0)
    assert unit == 1 and path[0] == 35 * city.cols + 30 and path[-1] == 35 * city.cols + 10
    minutes = router.minutes(35, 10, 1.0)
    assert minutes[1] < minutes[0]


def _trips(network, n):
    rows, cols, w, _, rng = network
    open_cells = np.flatnonzero(np.isfinite(w))
    return open_cells[rng.choice(open_cells.size, n)], open_cells[rng.choice(open_cells.size, n)]


def test_trips_searched_on_several_threads_get_the_paths_one_thread_finds(network):
    rows, cols, w, _, _ = network
    srcs, dsts = _trips(network, 101)
    dsts[7] = np.flatnonzero(np.isinf(w))[0]  # a closed cell: no path
    w_min = w[np.isfinite(w)].min()
    s = Scratch(rows * cols)
    single = routes(srcs, dsts, w, rows, cols, w_min, 1.5, s.dist, s.pred)
    for threads in (1, 2, 3):
        scratches = [Scratch(rows * cols, heads=False) for _ in range(threads)]
        arena, starts, lengths = search_trips(srcs, dsts, w, rows, cols, w_min, 1.5, scratches)
        np.testing.assert_array_equal(lengths, single[2])
        for k in range(srcs.size):  # each trip's own path, wherever its part was searched
            np.testing.assert_array_equal(arena[starts[k]:starts[k] + lengths[k]],
                                          single[0][single[1][k]:single[1][k] + single[2][k]])
        assert all(np.isinf(x.dist).all() and (x.pred == -1).all() for x in scratches)
    assert lengths[7] == 0 and (lengths > 1).sum() > 90


def _search_in_child(args, queue):
    queue.put(search_trips(*args)[2].tolist())


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")  # the point of the test
def test_a_forked_child_searches_on_threads_of_its_own(network):
    """polsim starts its own processes by spawn; a user's fork of a process that has searched
    must not wait forever on the parent's helper threads, which the child does not have."""
    rows, cols, w, _, _ = network
    srcs, dsts = _trips(network, 40)
    scratches = [Scratch(rows * cols, heads=False) for _ in range(2)]
    args = (srcs, dsts, w, rows, cols, w[np.isfinite(w)].min(), 1.5, scratches)
    expected = search_trips(*args)[2].tolist()  # the parent's pool exists before the fork
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_search_in_child, args=(args, queue))
    child.start()
    assert queue.get(timeout=60) == expected
    child.join(10)
    assert child.exitcode == 0


def test_the_bucket_queue_search_finds_scipys_nearest_unit_from_many_cells(network):
    rows, cols, w, graph, rng = network
    s = Scratch(rows * cols)
    open_cells = np.flatnonzero(np.isfinite(w))
    w_min, w_max = w[np.isfinite(w)].min(), w[np.isfinite(w)].max()
    for src in open_cells[rng.choice(open_cells.size, 30, replace=False)]:
        ref = dijkstra(graph, indices=src)
        cells = open_cells[rng.choice(open_cells.size, int(rng.integers(1, 30)))]
        rate = rng.choice([0.8, 1.0, 1.3], cells.size)
        k, t, path = nearest_unit(src, w, rows, cols, cells, rate, np.inf, s.dist, s.pred, s.head, w_min, w_max)
        times = ref[cells] / rate
        if np.isinf(times).all():
            assert k == -1 and path.size == 0
            continue
        assert t == pytest.approx(times.min()) and k == int(np.argmin(times))
        assert sum(edge_cost(w, path[i], path[i + 1], cols) for i in range(len(path) - 1)) == pytest.approx(
            ref[cells[k]])


def test_of_two_units_equally_far_the_lower_index_is_sent():
    rows, cols = 21, 21
    w = np.full(rows * cols, 0.5)
    s = Scratch(rows * cols)
    centre = 10 * cols + 10
    east, west = 10 * cols + 17, 10 * cols + 3  # 7 cells either side
    for cells, expected in (([east, west], 0), ([west, east], 0)):
        k, t, _ = nearest_unit(centre, w, rows, cols, np.array(cells), np.ones(2), np.inf, s.dist, s.pred, s.head,
                               0.5, 0.5)
        assert k == expected and t == pytest.approx(7.0)


@pytest.mark.parametrize("uniform", [False, True])
def test_the_lower_bound_stop_sends_the_unit_the_frontier_stop_sends_by_the_same_path(network, uniform):
    """Stopping once no unseen unit can arrive in time (its octile lower bound or the frontier
    at its own rate) cuts the same search sooner: the same unit, the same time to the bit and
    the same path as running on while the frontier at the fastest unit's rate is within reach,
    also where equally short paths tie (a uniform network) and under another mode's bound."""
    rows, cols, w, _, rng = network
    if uniform:
        w = np.full(rows * cols, 0.5)
    s = Scratch(rows * cols)
    open_cells = np.flatnonzero(np.isfinite(w))
    w_min, w_max = w[np.isfinite(w)].min(), w[np.isfinite(w)].max()
    for _ in range(200):
        src = open_cells[rng.integers(open_cells.size)]
        cells = open_cells[rng.choice(open_cells.size, int(rng.integers(1, 40)))]
        rate = rng.choice([0.5, 1.0, 1.75], cells.size)  # slow near units, fast far ones
        bound = np.inf if rng.random() < 0.7 else float(rng.uniform(2.0, 30.0))
        pruned = nearest_unit(src, w, rows, cols, cells, rate, bound, s.dist, s.pred, s.head, w_min, w_max)
        frontier = nearest_unit(src, w, rows, cols, cells, rate, bound, s.dist, s.pred, s.head, w_min, w_max, False)
        assert pruned[0] == frontier[0] and pruned[1] == frontier[1]
        np.testing.assert_array_equal(pruned[2], frontier[2])
    assert np.isinf(s.dist).all() and (s.pred == -1).all() and (s.head == -1).all()
