"""GIS files read back with rasterio and pyogrio: the right CRS, transform, areas and attributes."""

from __future__ import annotations

import numpy as np
import pytest

from polsim.cities.geo import Geo
from polsim.cities.gis import cell_polygons, write_features, write_geotiff, write_points

rasterio = pytest.importorskip("rasterio")
pyogrio = pytest.importorskip("pyogrio")


@pytest.fixture
def geo():
    return Geo.centred_on(24.94, 60.17, 12, 9, 25.0)


def test_a_geotiff_cell_centre_maps_to_its_lonlat(tmp_path, geo):
    minutes = np.arange(12 * 9, dtype=float).reshape(12, 9)
    minutes[0, 0] = np.inf
    write_geotiff(tmp_path / "m.tif", {"minutes": minutes}, geo)
    with rasterio.open(tmp_path / "m.tif") as src:
        assert src.crs.to_string() == geo.crs and src.shape == (12, 9)
        band = src.read(1)
        assert band[0, 0] == src.nodata and band[5, 7] == minutes[5, 7]
        assert src.descriptions == ("minutes",)
        x, y = src.xy(5, 7)  # the centre of row 5, column 7
        lon, lat = geo.lonlat_of_xy(x, y)
        assert geo.cells_of_lonlat(lon, lat) == (5, 7)
        np.testing.assert_allclose((x, y), [np.asarray(v).item() for v in geo.xy_of_cells(5, 7)])


@pytest.mark.parametrize("suffix,driver", [(".gpkg", "GPKG"), (".geojson", "GeoJSON")])
def test_polygon_areas_are_their_cells_count_times_the_cell_area(tmp_path, geo, suffix, driver):
    labels = np.full((12, 9), -1)
    labels[2:5, 1:4] = 0
    labels[7, 2:8] = 1
    labels[9:11, 0] = 1  # a second piece of label 1
    geoms, values = cell_polygons(labels, geo)
    write_features(tmp_path / f"b{suffix}", geoms, {"band": values}, geo.crs, driver)
    info = pyogrio.read_info(tmp_path / f"b{suffix}")
    assert info["features"] == 3
    df = pyogrio.read_dataframe(tmp_path / f"b{suffix}")
    if driver == "GPKG":
        assert df.crs.to_string() == geo.crs
    else:  # GeoJSON is in longitude/latitude
        df = df.to_crs(geo.crs)
    for band in (0, 1):
        area = df[df["band"] == band].geometry.area.sum()
        assert area == pytest.approx((labels == band).sum() * 25.0 ** 2, rel=1e-6)


def test_points_keep_their_place_and_columns(tmp_path, geo):
    x, y = geo.xy_of_cells(np.array([1, 4]), np.array([2, 3]))
    write_points(tmp_path / "p.gpkg", x, y, {"id": np.array([7, 8]), "type": np.array(["a", "b"], object)},
                 geo.crs, "GPKG")
    df = pyogrio.read_dataframe(tmp_path / "p.gpkg")
    assert list(df["id"]) == [7, 8] and list(df["type"]) == ["a", "b"]
    np.testing.assert_allclose(df.geometry.x, x)


def test_a_run_on_a_placed_city_writes_incidents_and_crime_counts_as_gis_files(tmp_path):
    from polsim.cli import main

    scenario = tmp_path / "placed.toml"
    scenario.write_text('name = "placed"\n[city]\nrows = 20\ncols = 20\norigin = [-1.55, 53.80]\n'
                        '[offenders]\ncount = 200\n')
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--steps", "240", "--out", str(out), "--no-progress"]) == 0
    incidents = pyogrio.read_dataframe(out / "incidents.gpkg")
    table = __import__("pandas").read_parquet(out / "incidents.parquet")
    assert len(incidents) == len(table) > 0
    assert list(incidents["id"]) == list(table["id"]) and list(incidents["grid_code"]) == list(table["grid_code"])
    geo = Geo.centred_on(-1.55, 53.80, 20, 20, 100.0)
    r, c = geo.cells_of_lonlat(incidents["lon"], incidents["lat"])
    assert (r == table["row"]).all() and (c == table["col"]).all()
    np.testing.assert_allclose(incidents.geometry.x, incidents["x"])
    with np.load(out / "crimes_by_cell.npz") as npz:
        counts = npz["counts"]
    with rasterio.open(out / "crimes_by_cell.tif") as src:
        assert src.crs.to_string() == geo.crs and src.count == counts.shape[0] + 1
        np.testing.assert_array_equal(src.read(1), counts.sum(axis=0))
        np.testing.assert_array_equal(src.read(2), counts[0])
