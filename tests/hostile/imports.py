"""The hostile corpus of the import commands (issue 26): ``polsim city import`` and ``polsim data
import`` given extracts, police areas, city folders, records and output paths a careless or hostile
user could give.

Every input is made here from nothing but text (tiny synthetic OSM XML, GeoJSON and CSV) and the
river fixture of ``tests/data``; no extract is copied into the repository. ``IMPORT_COMMANDS``
maps a case's name to its argument list (``{dir}``: the scratch folder :func:`prepare_imports`
fills); ``IMPORT_OUTCOMES`` to the words its one-line error must hold, or ``None`` for a case
that runs (exit 0). ``tests/test_hostile.py`` holds each case to its outcome and
``python -m tests.hostile.tally`` counts them with the rest.
"""

from __future__ import annotations

import json
from pathlib import Path

GRID_NODES = 15
"""Nodes a side of the synthetic street grid (14 x 14 blocks)."""


def osm_grid(lat0: float = 60.0, lon0: float = 24.0, step_lat: float = 0.002, step_lon: float = 0.004,
             n: int = GRID_NODES, drop=lambda node_id: False, where=None) -> str:
    """An OSM XML street grid of ``n`` x ``n`` nodes from (lat0, lon0); ``where(i, j)`` may
    replace a node's (lat, lon) text, ``drop(id)`` leave a node out (its ways keep the reference)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="polsim tests">']
    for i in range(n):
        for j in range(n):
            node_id = i * n + j + 1
            if drop(node_id):
                continue
            lat, lon = where(i, j) if where else (f"{lat0 + i * step_lat:.7f}", f"{lon0 + j * step_lon:.7f}")
            lines.append(f'  <node id="{node_id}" version="1" lat="{lat}" lon="{lon}"/>')
    ways = [[i * n + j + 1 for j in range(n)] for i in range(n)] + [[i * n + j + 1 for i in range(n)]
                                                                    for j in range(n)]
    for k, refs in enumerate(ways, 1):
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        lines.append(f'  <way id="{k}" version="1">{nds}<tag k="highway" v="residential"/></way>')
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def _square(w: float, s: float, e: float, n: float) -> list:
    return [[[w, s], [e, s], [e, n], [w, n], [w, s]]]


def _areas(geometry: dict | None = None, **props) -> str:
    geometry = geometry or {"type": "Polygon", "coordinates": _square(23.99, 59.99, 24.07, 60.03)}
    return json.dumps({"type": "FeatureCollection",
                       "features": [{"type": "Feature", "properties": props, "geometry": geometry}]})


def _extracts() -> dict[str, str]:
    e = {"grid.osm": osm_grid()}
    e["invalid.osm"] = osm_grid(where=lambda i, j: ("200", "500"))
    e["nan.osm"] = osm_grid(where=lambda i, j: ("nan", "nan"))
    e["pole.osm"] = osm_grid(lat0=89.9, step_lat=0.0001)
    e["antimeridian.osm"] = osm_grid(where=lambda i, j: (f"{60 + i * 0.002:.6f}", "179.999" if j % 2 else "-179.999"))
    e["one_meridian.osm"] = osm_grid(where=lambda i, j: (f"{60 + i * 0.002:.6f}", "24.0"))
    e["one_point.osm"] = osm_grid(where=lambda i, j: ("60.0", "24.0"))
    e["half_nodes.osm"] = osm_grid(drop=lambda k: k % 2 == 0 and k < GRID_NODES**2 // 2)
    e["sf.osm"] = osm_grid(lat0=37.76, lon0=-122.45, step_lat=0.002, step_lon=0.0025)
    e["whole_world.osm"] = osm_grid().replace('generator="polsim tests">', 'generator="polsim tests">\n'
                                              '  <bounds minlat="-50" minlon="-60" maxlat="70" maxlon="60"/>')
    return e


def _geojson() -> dict[str, str]:
    g = {"areas_ok.geojson": _areas(name="Centre", code="246091001001")}
    g["areas_nan.geojson"] = _areas({"type": "Polygon", "coordinates": [[[24.0, 60.0], [24.05, float("nan")],
                                                                        [24.05, 60.02], [24.0, 60.0]]]})
    g["areas_deep.geojson"] = '{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}"
    g["areas_unclosed.geojson"] = _areas({"type": "Polygon", "coordinates": [[[24.0, 60.0], [24.05, 60.0]]]})
    g["areas_bowtie.geojson"] = _areas({"type": "Polygon", "coordinates": [[[24.0, 60.0], [24.05, 60.02],
                                                                           [24.05, 60.0], [24.0, 60.02],
                                                                           [24.0, 60.0]]]})
    g["areas_code_abc.geojson"] = _areas(name="A", code="abc")
    g["areas_code_14.geojson"] = _areas(name="A", code="12345678901234")
    g["areas_null_name.geojson"] = _areas(name=None)
    return g


UK_HEADER = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type," \
            "Last outcome category,Context\n"


def _uk(rows: list[tuple[str, str, str, str]]) -> str:
    return UK_HEADER + "".join(f"{i},2018-07,F,F,{lon},{lat},x,E0,L,{t},," + "\n" for i, lon, lat, t in rows)


def _records() -> dict[str, str]:
    r = {"uk.csv": _uk([("a", "-1.55", "53.80", "Burglary"), ("b", "-1.551", "53.801", "Robbery")])}
    r["uk_lon200.csv"] = _uk([("a", "200", "53.80", "Burglary"), ("b", "-1.551", "53.801", "Robbery")])
    r["uk_lon_past.csv"] = _uk([("a", "-180.0001", "53.80", "Burglary"), ("b", "-1.551", "53.801", "Robbery")])
    r["uk_duplicates.csv"] = _uk([("a", "-1.55", "53.80", "Burglary"), ("a", "-1.55", "53.80", "Burglary"),
                                  ("b", "-1.551", "53.801", "Robbery")])
    r["generic.csv"] = "when,x,y,what\n2020-01-01 10:00,430000,433000,robbery\n"
    r["disturbance.csv"] = _uk([("a", "-1.55", "53.80", "Disturbance"), ("b", "-1.551", "53.801", "Robbery")])
    return r


def _commands() -> dict[str, list[str]]:
    c: dict[str, list[str]] = {}
    city = ["city", "import"]
    # -- extracts whose nodes are no place, or no place a lattice can be laid ----------------
    for name in ("invalid", "nan", "pole", "antimeridian", "one_meridian", "one_point", "whole_world"):
        c[f"city_{name}"] = [*city, f"{{dir}}/{name}.osm", "--out", "{dir}/o", "--quiet"]
    c["city_half_nodes"] = [*city, "{dir}/half_nodes.osm", "--out", "{dir}/o", "--quiet"]
    c["city_grid"] = [*city, "{dir}/grid.osm", "--out", "{dir}/o", "--quiet"]
    # -- runaways: refused by the estimate before anything is read --------------------------
    c["city_cell_half_metre"] = [*city, "{dir}/grid.osm", "--cell-m", "0.5", "--out", "{dir}/o", "--quiet"]
    c["city_cell_nan"] = [*city, "{dir}/grid.osm", "--cell-m", "nan", "--out", "{dir}/o", "--quiet"]
    c["city_bbox_millimetre"] = [*city, "{dir}/grid.osm", "--bbox", "24.0,60.0,24.05,60.00000001",
                                 "--out", "{dir}/o", "--quiet"]
    c["city_bbox_continent"] = [*city, "{dir}/grid.osm", "--bbox", "-20,-30,50,70", "--cell-m", "10",
                                "--out", "{dir}/o", "--quiet"]
    c["city_bbox_negative"] = [*city, "{dir}/sf.osm", "--bbox", "-122.45,37.76,-122.42,37.78",
                               "--out", "{dir}/o", "--quiet"]
    c["city_bbox_pole"] = [*city, "{dir}/grid.osm", "--bbox", "24,60,25,89", "--out", "{dir}/o", "--quiet"]
    c["city_extract_dev_zero"] = [*city, "/dev/zero", "--out", "{dir}/o", "--quiet"]
    c["city_extract_folder"] = [*city, "{dir}", "--out", "{dir}/o", "--quiet"]
    # -- police areas ------------------------------------------------------------------------
    for name in ("nan", "deep", "unclosed", "bowtie", "code_abc", "code_14", "null_name"):
        c[f"areas_{name}"] = [*city, "{dir}/grid.osm", "--boundaries", f"{{dir}}/areas_{name}.geojson",
                              "--out", "{dir}/o", "--quiet"]
    c["areas_dev_zero"] = [*city, "{dir}/grid.osm", "--boundaries", "/dev/zero", "--out", "{dir}/o", "--quiet"]
    c["areas_ok"] = [*city, "{dir}/grid.osm", "--boundaries", "{dir}/areas_ok.geojson", "--out", "{dir}/o",
                     "--quiet"]
    # -- --out -------------------------------------------------------------------------------
    c["city_out_proc"] = [*city, "{dir}/grid.osm", "--out", "/proc/polsim-city", "--quiet"]
    c["city_out_under_file"] = [*city, "{dir}/grid.osm", "--out", "{dir}/afile/city", "--quiet"]
    c["city_out_file"] = [*city, "{dir}/grid.osm", "--out", "{dir}/afile", "--quiet"]
    c["city_out_empty"] = [*city, "{dir}/grid.osm", "--out", "", "--quiet"]
    # -- city folders named by a scenario ----------------------------------------------------
    c["folder_truncated_layers"] = ["validate", "{dir}/uses_truncated.toml"]
    c["folder_edited_rows"] = ["validate", "{dir}/uses_edited_rows.toml"]
    c["folder_edited_crs"] = ["validate", "{dir}/uses_edited_crs.toml"]
    c["folder_edited_codes"] = ["validate", "{dir}/uses_edited_codes.toml"]
    c["folder_run_truncated"] = ["run", "{dir}/uses_truncated.toml", "--steps", "3", "--no-progress",
                                 "--out", "{dir}/o"]
    # -- data import -------------------------------------------------------------------------
    data = ["data", "import"]
    generic = [*data, "{dir}/generic.csv", "--schema", "generic"]
    c["data_crs_word"] = [*generic, "--map", "time=when,x=x,y=y,type=what,crs=notacrs", "--out", "{dir}/o.parquet"]
    c["data_crs_unknown_epsg"] = [*generic, "--map", "time=when,x=x,y=y,type=what,crs=EPSG:999999",
                                  "--out", "{dir}/o.parquet"]
    c["data_out_proc"] = [*data, "{dir}/uk.csv", "--schema", "police_uk", "--out", "/proc/polsim.parquet"]
    c["data_out_under_file"] = [*data, "{dir}/uk.csv", "--schema", "police_uk", "--out", "{dir}/afile/o.parquet"]
    c["data_out_folder"] = [*data, "{dir}/uk.csv", "--schema", "police_uk", "--out", "{dir}/afolder.parquet"]
    c["data_lon_200"] = [*data, "{dir}/uk_lon200.csv", "--schema", "police_uk", "--out", "{dir}/o.parquet"]
    c["data_lon_past_180"] = [*data, "{dir}/uk_lon_past.csv", "--schema", "police_uk", "--out", "{dir}/o.parquet"]
    c["data_duplicates"] = [*data, "{dir}/uk_duplicates.csv", "--schema", "police_uk", "--out", "{dir}/o.parquet"]
    c["data_same_file_twice"] = [*data, "{dir}/uk.csv", "{dir}/./uk.csv", "--schema", "police_uk",
                                 "--out", "{dir}/o.parquet"]
    c["data_disturbance_to_dispute"] = [*data, "{dir}/disturbance.csv", "--schema", "police_uk", "--types",
                                        "{dir}/disputes.toml", "--scenario", "{dir}/leeds.toml",
                                        "--out", "{dir}/o.parquet"]
    return c


IMPORT_COMMANDS: dict[str, list[str]] = _commands()
"""Hostile import command lines by name."""

IMPORT_OUTCOMES: dict[str, str | None] = {
    "city_invalid": "a node lies at an invalid location", "city_nan": "a node lies at an invalid location",
    "city_pole": "where UTM zones end", "city_antimeridian": "across the antimeridian",
    "city_one_meridian": "allowed: at least 4 a side", "city_one_point": "allowed: at least 4 a side",
    "city_whole_world": "cells and 5000 a side", "city_half_nodes": None, "city_grid": None,
    "city_cell_half_metre": "--cell-m: must be 10..2000 metres", "city_cell_nan": "--cell-m: must be 10..2000",
    "city_bbox_millimetre": "allowed: at least 4 a side", "city_bbox_continent": "allowed: at most 10,000,000 cells",
    "city_bbox_negative": None, "city_bbox_pole": "--bbox: must have west < east",
    "city_extract_dev_zero": "is not a regular file", "city_extract_folder": "is not a regular file",
    "areas_nan": "not a finite number", "areas_deep": "nest too deeply", "areas_unclosed": "not a valid polygon",
    "areas_bowtie": "Self-intersection", "areas_code_abc": "properties.code: is 'abc'",
    "areas_code_14": "properties.code: is '12345678901234'", "areas_null_name": "properties.name: is None",
    "areas_dev_zero": "is not a regular file", "areas_ok": None,
    "city_out_proc": "a system folder", "city_out_under_file": "is a file, not a folder",
    "city_out_file": "exists and is not a folder", "city_out_empty": "must not be empty",
    "folder_truncated_layers": "not a readable layers file", "folder_edited_rows": "geo.rows: is 'many'",
    "folder_edited_crs": "geo.crs: 'EPSG:999999' is not a coordinate reference system",
    "folder_edited_codes": "grid_codes: allowed: a list of 15-digit codes",
    "folder_run_truncated": "not a readable layers file",
    "data_crs_word": "'notacrs' is not a coordinate reference system",
    "data_crs_unknown_epsg": "'EPSG:999999' is not a coordinate reference system",
    "data_out_proc": "a system folder", "data_out_under_file": "afile: exists and is not a folder",
    "data_out_folder": "exists and is not a file", "data_lon_200": None, "data_lon_past_180": None,
    "data_duplicates": None, "data_same_file_twice": None, "data_disturbance_to_dispute": None,
}
"""What each import case's one-line error says (``None``: it runs, exit 0)."""

IMPORT_OUTPUT = "o"
"""The output every city case names (``{dir}/o``; data cases ``{dir}/o.parquet``): absent after a refusal."""


def _city_folders(folder: Path) -> None:
    """A city folder imported from the river fixture, and copies of it damaged three ways, each
    named by a scenario."""
    import shutil

    from polsim.cities.build import ImportOptions, import_city

    river = Path(__file__).resolve().parents[1] / "data" / "river_bridge.osm"
    good = folder / "city_good"
    import_city(river, good, ImportOptions(cell_m=100.0), progress=False)
    for name, edit in (("truncated", None), ("edited_rows", ("geo", "rows", "many")),
                       ("edited_crs", ("geo", "crs", "EPSG:999999")), ("edited_codes", (None, "grid_codes", ["x"]))):
        damaged = folder / f"city_{name}"
        shutil.copytree(good, damaged)
        if edit is None:
            layers = damaged / "layers.npz"
            layers.write_bytes(layers.read_bytes()[: layers.stat().st_size // 2])
        else:
            meta = json.loads((damaged / "city.json").read_text(encoding="utf-8"))
            table, key, value = edit
            (meta[table] if table else meta)[key] = value
            (damaged / "city.json").write_text(json.dumps(meta), encoding="utf-8")
        (folder / f"uses_{name}.toml").write_text(f'[city]\nsource = "city_{name}"\n', encoding="utf-8")


def prepare_imports(folder) -> None:
    """Fill ``folder`` with what the import cases refer to."""
    folder = Path(folder)
    (folder / "afile").write_text("not a folder\n")
    (folder / "afolder.parquet").mkdir(exist_ok=True)
    for name, text in {**_extracts(), **_geojson(), **_records()}.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "disputes.toml").write_text('[types]\n"Disturbance" = "dispute"\n"Robbery" = "robbery"\n',
                                          encoding="utf-8")
    (folder / "leeds.toml").write_text('[city]\nrows = 20\ncols = 20\ncell_m = 250.0\norigin = [-1.55, 53.80]\n'
                                       '[city.land_use]\nblocked = 0.0\n', encoding="utf-8")
    _city_folders(folder)
