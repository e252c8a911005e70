"""The generated city: deterministic, connected, labelled with the reports' 15-digit grid codes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from polsim.cities.city import LU, generate_city
from polsim.cities.source import CITIES_KEPT, city_for
from polsim.model import PolicingModel
from polsim.scenario import load_spec


def _city(**overrides):
    spec, _ = load_spec("default", overrides)
    return generate_city(spec.city)


def test_same_spec_same_city_and_seed_changes_it():
    a, b, c = _city(), _city(), _city(**{"city.seed": 8})
    np.testing.assert_array_equal(a.land_use, b.land_use)
    assert not np.array_equal(a.land_use, c.land_use)


def test_models_of_one_city_share_it_read_only_and_few_cities_are_kept():
    spec = load_spec("default")[0].city
    first, again = PolicingModel("default", seed=1), PolicingModel("default", seed=2)
    assert first.city is again.city is city_for(spec)
    np.testing.assert_array_equal(first.city.land_use, generate_city(spec).land_use)
    for layer in (first.city.land_use, first.city.camera, first.city.road_kmh, *first.city.bases.values()):
        with pytest.raises(ValueError, match="read-only"):
            layer.flat[0] = layer.flat[0]
    others = [city_for(load_spec("default", {"city.seed": 100 + k})[0].city) for k in range(CITIES_KEPT)]
    assert city_for(load_spec("default", {"city.seed": 100})[0].city) is others[0]
    assert city_for(spec) is not first.city  # pushed out by the newer ones: generated afresh


def test_land_use_shares_follow_the_spec_and_passable_land_is_connected():
    city = _city()
    n = city.rows * city.cols
    for name, share in city.spec.land_use.items():
        if name != "residential":
            assert abs((city.land_use == LU[name]).sum() / n - share) < 0.03, name
    _, parts = ndimage.label(city.passable)
    assert parts == 1


def test_grid_codes_are_unique_hierarchical_15_digit_codes():
    city = _city()
    assert len(set(city.grid_codes)) == len(city.grid_codes) == (60 // 5) ** 2
    for g, code in enumerate(city.grid_codes):
        assert len(code) == 15 and code.isdigit() and code.startswith("320600")
        r, c = np.argwhere(city.grid_id == g)[0]
        district = int(code[6:9]) - 1
        assert district == city.district_id[r, c]
    # grids of one station share the first 12 digits
    r, c = 0, 0
    same_station = {city.grid_code(rr, cc)[:12] for rr in range(20) for cc in range(20)
                    if city.station_id[rr, cc] == city.station_id[r, c]}
    assert len(same_station) == 1


def test_bases_stand_on_passable_land():
    city = _city(**{"city.land_use.blocked": 0.3})
    for kind, cells in city.bases.items():
        assert len(cells) > 0, kind
        assert city.passable[cells[:, 0], cells[:, 1]].all(), kind


def test_fewer_units_than_bases_take_bases_spread_over_the_city():
    """Units take the bases of their kind in list order: any first k must be spread, not one band.

    In label order the first 6 of 36 station areas are the top row of the city (6 cars of
    Yancheng all in the top 1 km); in spread order every third of the city has one.
    """
    city = _city(**{"city.station_grids": 2})  # 36 station areas of 1 x 1 km
    for k in (2, 4, 6):
        first = city.bases["station"][:k]
        thirds = set((first[:, 0] * 3 // city.rows).tolist()) | set((first[:, 1] * 3 // city.cols).tolist())
        assert len(thirds) == 3, (k, first.tolist())
        gaps = np.hypot(*(first[:, None, :] - first[None, :, :]).transpose(2, 0, 1))
        assert gaps[np.triu_indices(k, 1)].min() >= 60 / np.sqrt(k) / 2, (k, first.tolist())
    assert sorted(map(tuple, city.bases["station"].tolist())) == sorted(
        map(tuple, np.unique(city.bases["station"], axis=0).tolist()))  # a permutation: every area once


def test_workstations_go_to_busy_neighbourhoods_not_the_first_busy_cell_in_the_top_row():
    city = _city(**{"city.workstations": 4})
    ws = city.bases["workstation"]
    assert len(ws) == 4 and len(set(map(tuple, ws.tolist()))) == 4
    assert ws[:, 0].max() > 10, ws.tolist()  # not all on the top edge (row-major ties did that)
    busy = ndimage.uniform_filter(city.footfall_base.astype(float), size=5, mode="constant")
    assert busy[ws[0, 0], ws[0, 1]] == busy[city.passable].max()
