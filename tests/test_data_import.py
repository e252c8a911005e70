"""polsim data import: each schema's published columns, rows that cannot be placed or typed
counted by reason, and bad input as one line, exit 2, nothing written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import tomli_w

from polsim.cities.geo import Geo
from polsim.cli import main
from polsim.data import synthetic
from polsim.data.place import WGS84, transform
from polsim.data.store import read_records, sidecar_path

UK_COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
              "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]
LEEDS = (-1.55, 53.80)


def uk_rows(rows: list[tuple]) -> pd.DataFrame:
    """data.police.uk rows from (month, lon, lat, crime type)."""
    return pd.DataFrame([{"Crime ID": f"id{i}", "Month": m, "Reported by": "West Yorkshire Police",
                          "Falls within": "West Yorkshire Police", "Longitude": lon, "Latitude": lat,
                          "Location": "On or near Park Lane", "LSOA code": "E01011365", "LSOA name": "Leeds 111B",
                          "Crime type": t, "Last outcome category": "", "Context": ""}
                         for i, (m, lon, lat, t) in enumerate(rows)], columns=UK_COLUMNS)


@pytest.fixture()
def placed_scenario(tmp_path):
    """A small city of 20 x 20 cells of 250 m centred on Leeds, with no blocked land."""
    path = tmp_path / "leeds.toml"
    path.write_text(tomli_w.dumps({"name": "leeds", "city": {"rows": 20, "cols": 20, "cell_m": 250.0,
                                                              "origin": list(LEEDS), "land_use": {"blocked": 0.0}}}))
    return path


def test_police_uk_counts_every_row_by_status(tmp_path, placed_scenario, capsys):
    rows = [("2018-07", -1.55, 53.80, "Burglary"), ("2018-07", -1.551, 53.801, "Robbery"),
            ("2018-07", -1.549, 53.799, "Violence and sexual offences"),
            ("2018-07", "", "", "Burglary"),                      # no location
            ("2018-07", -1.55, 53.80, "Anti-social behaviour"),   # ignored on purpose
            ("2018-08", -1.552, 53.802, "Theft from the person")]
    src = tmp_path / "uk.csv"
    uk_rows(rows).to_csv(src, index=False)
    out = tmp_path / "uk.parquet"
    assert main(["data", "import", str(src), "--schema", "police_uk", "--scenario", str(placed_scenario),
                 "--out", str(out)]) == 0
    rec = read_records(out)
    t = rec.table
    assert list(t["status"]) == ["ok", "ok", "ok", "no_location", "type_ignored", "ok"]
    assert list(t["type"]) == ["burglary", "robbery", "assault", "burglary", "", "pickpocketing"]
    assert rec.meta["status"] == {"ok": 4, "duplicate": 0, "type_ignored": 1, "no_time": 0, "no_location": 1,
                                  "bad_location": 0, "outside_city": 0, "impassable": 0}
    assert rec.meta["ignored_types"] == {"Anti-social behaviour": 1}
    assert rec.meta["months"] == ["2018-07", "2018-08"]
    # the centre of the city is its middle cell
    assert (t.loc[0, "row"], t.loc[0, "col"]) in {(9, 9), (9, 10), (10, 9), (10, 10)}
    assert sidecar_path(out).exists()
    assert "type_ignored 1" in capsys.readouterr().out


def test_detroit_fixture_import(tmp_path):
    model = synthetic.KnownModel(origin=(-83.08, 42.36), days=7)
    truth = synthetic.draw(model, seed=3)
    src = tmp_path / "detroit.csv"
    synthetic.as_detroit(truth).to_csv(src, index=False)
    out = tmp_path / "d.parquet"
    assert main(["data", "import", str(src), "--schema", "detroit", "--out", str(out)]) == 0
    t = read_records(out).table
    crimes = truth["type"] != ""
    assert (t["status"] == "type_ignored").sum() == (~crimes).sum()
    assert (t["status"] == "no_location").sum() == (crimes & truth["lon"].isna()).sum()
    np.testing.assert_allclose(t["response_min"], truth["response_min"], atol=2e-3)
    np.testing.assert_allclose(t["travel_min"], truth["travel_min"], atol=1e-3)
    np.testing.assert_allclose(t["dispatch_min"], truth["dispatch_min"], atol=2e-3)  # from the call
    assert (t["time"] == truth["time"].dt.floor("s")).all()
    assert t.loc[crimes.to_numpy(), "type"].tolist() == truth.loc[crimes, "type"].tolist()


def test_new_orleans_state_plane_feet_round_trip(tmp_path):
    """MapX/MapY are Louisiana South in US survey feet (EPSG:3452): they land where lon/lat do."""
    model = synthetic.KnownModel(origin=(-90.07, 29.95), days=3, unplaced_share=0.0)
    truth = synthetic.draw(model, seed=4)
    raw = synthetic.as_new_orleans(truth)
    raw["Location"] = ""  # place by MapX/MapY alone
    src = tmp_path / "nola.csv"
    raw.to_csv(src, index=False)
    out = tmp_path / "n.parquet"
    assert main(["data", "import", str(src), "--schema", "new_orleans", "--out", str(out)]) == 0
    t = read_records(out).table
    # 0.1 ft of rounding in MapX/MapY is 3 cm: about 3e-7 degrees
    np.testing.assert_allclose(t["lon"], truth["lon"], atol=2e-6)
    np.testing.assert_allclose(t["lat"], truth["lat"], atol=2e-6)
    x, _ = transform(np.array([-90.07]), np.array([29.95]), WGS84, "EPSG:3452")
    assert 3.6e6 < x[0] < 3.8e6  # the State Plane's feet, not metres
    np.testing.assert_allclose(t["dispatch_min"], truth["dispatch_min"], atol=0.02)
    assert t["priority"].eq(truth["priority"]).all()


def test_generic_rows_and_cols_on_a_city_with_no_place(tmp_path):
    src = tmp_path / "g.csv"
    pd.DataFrame({"when": ["2020-01-01 10:00", "2020-01-02 11:30", "2020-01-03 12:00"],
                  "r": [0, 5, 99], "c": [1, 2, 3], "what": ["robbery", "burglary", "robbery"]}).to_csv(src, index=False)
    scen = tmp_path / "s.toml"
    scen.write_text(tomli_w.dumps({"city": {"rows": 10, "cols": 10}}))
    out = tmp_path / "g.parquet"
    assert main(["data", "import", str(src), "--schema", "generic", "--map", "time=when,row=r,col=c,type=what",
                 "--scenario", str(scen), "--max-outside", "0.5", "--out", str(out)]) == 0
    t = read_records(out).table
    assert list(t["status"]) == ["ok", "ok", "outside_city"]
    assert list(zip(t["row"], t["col"], strict=True))[:2] == [(0, 1), (5, 2)]
    assert t.loc[1, "x"] == pytest.approx(250.0) and t.loc[1, "y"] == pytest.approx(1000 - 550.0)


def test_geo_placement_matches_the_city(placed_scenario):
    from polsim.cities.source import city_for
    from polsim.scenario import load_scenario

    geo = city_for(load_scenario(placed_scenario).spec.city).geo
    assert geo == Geo.centred_on(*LEEDS, 20, 20, 250.0)


# -- bad input: one line naming the file, the row or column and what is allowed; exit 2; nothing written

def _bad(tmp_path, capsys, args: list[str]) -> str:
    out = tmp_path / "out.parquet"
    assert main(["data", "import", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert not out.exists() and not sidecar_path(out).exists()
    return err


def test_missing_column(tmp_path, capsys):
    src = tmp_path / "a.csv"
    uk_rows([("2018-07", -1.55, 53.8, "Burglary")]).drop(columns=["Crime type"]).to_csv(src, index=False)
    err = _bad(tmp_path, capsys, [str(src), "--schema", "police_uk"])
    assert "a.csv: column 'Crime type': missing" in err and "Month, Longitude" in err


def test_unknown_map_role(tmp_path, capsys):
    src = tmp_path / "a.csv"
    src.write_text("t,x\n1,2\n")
    err = _bad(tmp_path, capsys, [str(src), "--schema", "generic", "--map", "when=t,lon=x"])
    assert "--map: when=t: unknown role 'when'; allowed:" in err


def test_unparseable_time(tmp_path, capsys):
    src = tmp_path / "t.csv"
    raw = synthetic.as_detroit(synthetic.draw(synthetic.KnownModel(origin=(-83.08, 42.36), days=1), seed=1))
    raw.loc[3, "call_timestamp"] = "yesterday-ish"
    raw.to_csv(src, index=False)
    err = _bad(tmp_path, capsys, [str(src), "--schema", "detroit"])
    assert "t.csv: row 5, column 'call_timestamp': cannot read 'yesterday-ish' as a date and time" in err


def test_unparseable_month_and_number(tmp_path, capsys):
    src = tmp_path / "m.csv"
    uk_rows([("2018-07", -1.55, 53.8, "Burglary"), ("July 2018", -1.55, 53.8, "Burglary")]).to_csv(src, index=False)
    assert "row 3, column 'Month': cannot read 'July 2018' as a month; allowed: YYYY-MM" in \
        _bad(tmp_path, capsys, [str(src), "--schema", "police_uk"])
    uk_rows([("2018-07", "west", 53.8, "Burglary")]).to_csv(src, index=False)
    assert "row 2, column 'Longitude': cannot read 'west' as a number" in \
        _bad(tmp_path, capsys, [str(src), "--schema", "police_uk"])


def test_coordinates_outside_the_city(tmp_path, capsys, placed_scenario):
    src = tmp_path / "o.csv"
    uk_rows([("2018-07", -1.55, 53.80, "Burglary"), ("2018-07", -0.12, 51.5, "Burglary")]).to_csv(src, index=False)
    err = _bad(tmp_path, capsys, [str(src), "--schema", "police_uk", "--scenario", str(placed_scenario)])
    assert "o.csv: row 3: lon -0.12000, lat 51.50000 is outside the city (1 of 2 placed rows" in err
    assert "--max-outside" in err


def test_type_with_no_mapping(tmp_path, capsys):
    src = tmp_path / "u.csv"
    uk_rows([("2018-07", -1.55, 53.8, "Burglary"), ("2018-07", -1.55, 53.8, "Littering")]).to_csv(src, index=False)
    err = _bad(tmp_path, capsys, [str(src), "--schema", "police_uk"])
    assert "u.csv: row 3, column 'Crime type': type 'Littering' has no mapping in the built-in police_uk types" in err


def test_types_file_onto_unknown_scenario_type(tmp_path, capsys, placed_scenario):
    src = tmp_path / "a.csv"
    uk_rows([("2018-07", -1.55, 53.8, "Burglary")]).to_csv(src, index=False)
    types = tmp_path / "types.toml"
    types.write_text('[types]\n"Burglary" = "housebreaking"\n')
    err = _bad(tmp_path, capsys, [str(src), "--schema", "police_uk", "--types", str(types),
                                  "--scenario", str(placed_scenario)])
    assert "types.toml: types: maps onto unknown crime type 'housebreaking'; allowed: pickpocketing" in err


def test_file_of_another_format(tmp_path, capsys):
    src = tmp_path / "calls.csv"
    pd.DataFrame({"a": [1]}).to_parquet(src)
    err = _bad(tmp_path, capsys, [str(src), "--schema", "police_uk"])
    assert err.endswith("calls.csv: is Parquet, not a CSV; allowed: a comma-separated text file with a header row")


def test_empty_file(tmp_path, capsys):
    src = tmp_path / "e.csv"
    src.write_text(",".join(UK_COLUMNS) + "\n")
    assert "e.csv: has a header but no rows" in _bad(tmp_path, capsys, [str(src), "--schema", "police_uk"])


def test_real_west_yorkshire_street_crime(tmp_path):
    """data.police.uk's own file for West Yorkshire, July 2016 (shipped in crime-sim-toolkit's
    test data): every row accounted for, by status and by category."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("crime_sim_toolkit")
    if spec is None:
        pytest.skip("crime-sim-toolkit (the dev extra's real data) is not installed")
    src = next((Path(spec.origin).parent / "tests/testing_data/test_policedata/2016-07").glob("*-street.csv"))
    out = tmp_path / "wy.parquet"
    assert main(["data", "import", str(src), "--schema", "police_uk", "--out", str(out)]) == 0
    rec = read_records(out)
    raw = pd.read_csv(src)
    assert rec.meta["rows"] == len(raw) == 27176
    assert sum(rec.meta["status"].values()) == len(raw)
    from polsim.data.typemap import POLICE_UK_TYPES

    modelled = raw["Crime type"].map(POLICE_UK_TYPES) != ""  # rows of an ignored category count as ignored
    assert rec.meta["status"]["no_location"] == int(raw.loc[modelled, "Longitude"].isna().sum())
    assert rec.meta["status"]["type_ignored"] == int((~modelled).sum())
    assert rec.meta["ignored_types"]["Anti-social behaviour"] == (raw["Crime type"] == "Anti-social behaviour").sum()
    ok = rec.table[rec.table["status"] == "ok"]
    assert ok["lon"].between(-2.2, -1.2).all() and ok["lat"].between(53.4, 54.4).all()
    assert rec.meta["crs"] == "EPSG:32630"  # UTM 30N: West Yorkshire lies at 1-2 degrees west


def test_calls_on_impassable_cells_are_flagged(tmp_path, capsys):
    """A call placed on blocked land or water is ``impassable``, not ``ok``: the model can make none there."""
    from polsim.cities.source import city_for
    from polsim.scenario import load_scenario

    scen = tmp_path / "leeds.toml"
    scen.write_text(tomli_w.dumps({"city": {"rows": 20, "cols": 20, "cell_m": 250.0, "origin": list(LEEDS)}}))
    city = city_for(load_scenario(scen).spec.city)
    (br, bc), (pr, pc) = np.argwhere(~city.passable)[0], np.argwhere(city.passable)[0]
    lonlat = [transform(*city.geo.xy_of_cells(r, c), city.geo.crs, WGS84) for r, c in ((br, bc), (pr, pc))]
    src = tmp_path / "uk.csv"
    uk_rows([("2018-07", float(lon), float(lat), "Burglary") for lon, lat in lonlat]).to_csv(src, index=False)
    out = tmp_path / "uk.parquet"
    assert main(["data", "import", str(src), "--schema", "police_uk", "--scenario", str(scen), "--out", str(out)]) == 0
    assert list(read_records(out).table["status"]) == ["impassable", "ok"]
    assert "impassable 1" in capsys.readouterr().out


def test_lon_past_180_is_a_bad_location_not_ok(tmp_path):
    src = tmp_path / "uk.csv"
    uk_rows([("2018-07", 200, 53.8, "Burglary"), ("2018-07", -180.0001, 53.8, "Burglary"),
             ("2018-07", -1.55, 95.0, "Burglary"), ("2018-07", -1.55, 53.8, "Burglary")]).to_csv(src, index=False)
    out = tmp_path / "uk.parquet"
    assert main(["data", "import", str(src), "--schema", "police_uk", "--out", str(out)]) == 0
    rec = read_records(out)
    assert list(rec.table["status"]) == ["bad_location"] * 3 + ["ok"]
    assert rec.meta["status"]["bad_location"] == 3


def test_repeated_ids_and_files_count_once(tmp_path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    uk_rows([("2018-07", -1.55, 53.8, "Burglary"), ("2018-07", -1.55, 53.8, "Robbery")]).to_csv(a, index=False)
    # b repeats a's first id (id0) and adds one of its own
    frame = uk_rows([("2018-07", -1.55, 53.8, "Burglary"), ("2018-08", -1.55, 53.8, "Robbery")])
    frame.loc[1, "Crime ID"] = "other"
    frame.to_csv(b, index=False)
    out = tmp_path / "ab.parquet"
    assert main(["data", "import", str(a), str(b), str(tmp_path / "." / "a.csv"), "--schema", "police_uk",
                 "--out", str(out)]) == 0
    said = capsys.readouterr().out
    rec = read_records(out)
    assert list(rec.table["status"]) == ["ok", "ok", "duplicate", "ok"]
    assert rec.meta["status"]["ok"] == 3 and rec.meta["status"]["duplicate"] == 1
    assert rec.meta["by_type"] == {"burglary": 1, "robbery": 2} and rec.meta["rows"] == 4
    assert "duplicates: 1 rows repeat the id" in said and "given again and read once" in said


def test_a_failed_write_leaves_no_sidecar_without_its_table(tmp_path, capsys, monkeypatch):
    import errno

    src = tmp_path / "uk.csv"
    uk_rows([("2018-07", -1.55, 53.8, "Burglary")]).to_csv(src, index=False)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("pyarrow.parquet.write_table", full)
    err = _bad(tmp_path, capsys, [str(src), "--schema", "police_uk"])
    assert "--out: " in err and "cannot write: No space left on device" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["uk.csv"]


def test_disturbances_map_to_the_models_disputes(tmp_path, placed_scenario):
    from polsim.cities.source import city_for
    from polsim.data.observed import observe
    from polsim.data.period import parse_period
    from polsim.scenario import load_scenario

    src = tmp_path / "uk.csv"
    uk_rows([("2018-07", -1.55, 53.8, "Disturbance"), ("2018-07", -1.551, 53.801, "Robbery")]).to_csv(src, index=False)
    types = tmp_path / "types.toml"
    types.write_text('[types]\n"Disturbance" = "dispute"\n"Robbery" = "robbery"\n')
    out = tmp_path / "uk.parquet"
    assert main(["data", "import", str(src), "--schema", "police_uk", "--types", str(types), "--scenario",
                 str(placed_scenario), "--out", str(out)]) == 0
    rec = read_records(out)
    assert rec.meta["by_type"] == {"dispute": 1, "robbery": 1}
    spec = load_scenario(placed_scenario).spec
    obs = observe(rec, city_for(spec.city), list(spec.crimes), parse_period("2018-07"), str(out))
    assert obs.disputes == 1 and obs.total == 1 and obs.disputes_per_day == pytest.approx(1 / obs.days)
