"""A city's place on the map: UTM zones, cells of points, and back."""

from __future__ import annotations

import numpy as np
import pytest

from polsim.cities.geo import Geo, utm_crs
from polsim.cities.source import city_for
from polsim.scenario.schema import CitySpec


@pytest.mark.parametrize(("lon", "lat", "crs"), [
    (24.94, 60.17, "EPSG:32635"),   # Helsinki
    (120.89, 32.0, "EPSG:32651"),   # Nantong
    (-1.55, 53.8, "EPSG:32630"),    # Leeds
    (-90.07, 29.95, "EPSG:32615"),  # New Orleans
    (151.2, -33.87, "EPSG:32756"),  # Sydney: southern hemisphere
])
def test_utm_zone_of_known_places(lon, lat, crs):
    assert utm_crs(lon, lat) == crs


def test_a_point_lies_in_the_cell_whose_centre_is_nearest():
    geo = Geo.centred_on(120.89, 32.0, rows=40, cols=60, cell_m=100.0)
    r, c = geo.cells_of_lonlat(120.89, 32.0)
    assert (int(r), int(c)) == (20, 30)  # the centre point is the corner of four cells: the SE one
    rr, cc = np.array([0, 39, 17]), np.array([0, 59, 42])
    x, y = geo.xy_of_cells(rr, cc)
    lon, lat = geo.lonlat_of_xy(x, y)
    back_r, back_c = geo.cells_of_lonlat(lon, lat)
    np.testing.assert_array_equal(back_r, rr)
    np.testing.assert_array_equal(back_c, cc)


def test_cells_are_metres_apart_on_the_ground():
    geo = Geo.centred_on(-1.55, 53.8, rows=10, cols=10, cell_m=250.0)
    x, y = geo.xy_of_cells(np.array([0, 0]), np.array([0, 4]))
    lon, lat = geo.lonlat_of_xy(x, y)
    # 1,000 m east along the same row: about 0.0152 degrees of longitude at 53.8 N
    assert abs((lon[1] - lon[0]) * 111_320 * np.cos(np.radians(53.8)) - 1000.0) < 5.0


def test_points_off_the_lattice_are_minus_one():
    geo = Geo("EPSG:32635", 0.0, 1000.0, 100.0, 10, 10)
    r, c = geo.cells_of_xy([50.0, -1.0, 999.0, 500.0], [950.0, 500.0, 1.0, 1000.5])
    assert r.tolist() == [0, -1, 9, -1] and c.tolist() == [0, -1, 9, -1]


def test_a_generated_city_is_placed_only_when_given_an_origin():
    assert city_for(CitySpec()).geo is None
    placed = city_for(CitySpec(origin=[120.89, 32.0]))
    assert placed.geo.crs == "EPSG:32651" and placed.geo.rows == placed.rows
    assert placed.geo.bounds_xy[2] - placed.geo.bounds_xy[0] == pytest.approx(placed.cols * 100.0)
