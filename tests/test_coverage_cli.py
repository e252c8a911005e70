"""polsim coverage and coverage site end to end: files, GIS read back, bad input, re-run of the sited scenario."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import tomli_w

from polsim.cli import main
from tests.test_data_import import LEEDS, uk_rows

SMALL = {"name": "small", "time": {"days": 0.05},
         "city": {"rows": 24, "cols": 24, "cell_m": 100.0, "origin": list(LEEDS), "workstations": 3},
         "offenders": {"count": 20},
         "units": {"patrol_car": {"count": 3}, "fixed_post": {"count": 2}}}


@pytest.fixture()
def small(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(tomli_w.dumps(SMALL))
    return path


def test_coverage_writes_tables_maps_gis_and_report(tmp_path, small):
    out = tmp_path / "cov"
    assert main(["coverage", str(small), "--out", str(out), "--hours", "3,18", "--minutes", "1,3,5"]) == 0
    done = json.loads((out / "coverage.json").read_text())
    for name in done["files"]:
        assert (out / name).is_file()
    city = pd.read_csv(out / "coverage_citywide.csv")
    assert set(city["unit_type"]) == {"patrol_car", "fixed_post", "all"} and set(city["hour"]) == {3, 18}
    # nested bands: each holds at least what the narrower one does
    for _, g in city.groupby(["hour", "unit_type"]):
        assert g["residents_share"].is_monotonic_increasing
    grid = pd.read_csv(out / "coverage_grid.csv", dtype={"code": str})
    assert grid["code"].str.len().eq(15).all()
    station = pd.read_csv(out / "coverage_station.csv", dtype={"code": str})
    # the areas add up to the city
    for (h, t, b), g in station.groupby(["hour", "unit_type", "band_min"]):
        row = city[(city.hour == h) & (city.unit_type == t) & (city.band_min == b)]
        assert g["residents"].sum() == pytest.approx(float(row["residents"].iloc[0]))
    rasterio = pytest.importorskip("rasterio")
    pyogrio = pytest.importorskip("pyogrio")
    with rasterio.open(out / "minutes.tif") as src:
        assert src.count == 6 and src.shape == (24, 24)
        first = src.read(1)
    bands = pyogrio.read_dataframe(out / "bands.gpkg")
    one = bands[(bands.hour == 3) & (bands.unit_type == "patrol_car") & (bands.to_min == 1.0)]
    cells = int(((first >= 0) & (first <= 1.0)).sum())
    assert one.geometry.area.sum() == pytest.approx(cells * 100.0 ** 2)
    assert "report.html" in done["files"] and "<table>" in (out / "report.html").read_text()


@pytest.mark.parametrize("argv,needle", [
    (["--hours", "25"], "--hours: 25 is not an hour"),
    (["--minutes", "0"], "--minutes: 0 is not a band"),
    (["--minutes", "1,nan"], "--minutes: nan is not a band"),
    (["--unit-type", "drone"], "no units of type 'drone'"),
])
def test_bad_coverage_input_is_one_line_exit_2_and_nothing_written(tmp_path, small, capsys, argv, needle):
    out = tmp_path / "never"
    assert main(["coverage", str(small), "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize("argv,needle", [
    (["--add", "2", "--hour", "25"], "--hour: 25 is not an hour"),
    (["--add", "2", "--within", "0"], "--within: 0 is not a band"),
    (["--add", "2", "--within", "nan"], "--within: nan is not a band"),
    (["--add", "2", "--unit-type", "drone"], "no units of type 'drone'"),
    (["--add", "2", "--demand", "calls"], "--demand calls: give --run"),
    (["--share", "1.5"], "--share must be in (0, 1]"),
    (["--add", "2", "--candidates", "bases:nowhere"], "bases:nowhere: no such base kind"),
    (["--add", "2", "--seed", "-1"], "--seed must be >= 0"),
])
def test_bad_siting_input_is_one_line_exit_2_and_nothing_written(tmp_path, small, capsys, argv, needle):
    out = tmp_path / "never"
    unit_type = [] if "--unit-type" in argv else ["--unit-type", "patrol_car"]
    assert main(["coverage", "site", str(small), "--out", str(out), *unit_type, *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1, err
    assert not out.exists()


def test_k_beyond_the_candidates_is_refused(tmp_path, small, capsys):
    out = tmp_path / "never"
    assert main(["coverage", "site", str(small), "--out", str(out), "--add", "4", "--candidates",
                 "cells:3,3;10,10;20,5", "--unit-type", "patrol_car"]) == 2
    err = capsys.readouterr().err
    assert "--add 4: allowed: 1..3" in err and err.count("\n") == 1
    assert not out.exists()


def test_a_data_file_of_another_city_is_refused(tmp_path, small, capsys):
    src = tmp_path / "far.csv"
    uk_rows([("2018-07", 24.94, 60.17, "Burglary"), ("2018-07", 24.95, 60.17, "Robbery")]).to_csv(src, index=False)
    data = tmp_path / "far.parquet"
    assert main(["data", "import", str(src), "--schema", "police_uk", "--out", str(data)]) == 0
    capsys.readouterr()
    out = tmp_path / "never"
    assert main(["coverage", str(small), "--out", str(out), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "outside the scenario's city" in err and err.count("\n") == 1
    assert not out.exists()


def test_recorded_crime_is_counted(tmp_path, small):
    src = tmp_path / "here.csv"
    uk_rows([("2018-07", LEEDS[0], LEEDS[1], "Burglary")] * 3).to_csv(src, index=False)
    data = tmp_path / "here.parquet"
    assert main(["data", "import", str(src), "--schema", "police_uk", "--out", str(data)]) == 0
    out = tmp_path / "cov"
    assert main(["coverage", str(small), "--out", str(out), "--data", str(data), "--hours", "18"]) == 0
    city = pd.read_csv(out / "coverage_citywide.csv")
    assert (city["crime"] <= 3).all() and city["crime"].max() == 3


def test_sited_scenario_runs_and_raises_coverage_by_what_the_table_says(tmp_path, small):
    site = tmp_path / "site"
    assert main(["coverage", "site", str(small), "--out", str(site), "--add", "2", "--kind", "workstation",
                 "--unit-type", "patrol_car", "--within", "3", "--hour", "18", "--candidates", "roads:4"]) == 0
    done = json.loads((site / "coverage.json").read_text())
    assert done["sites"] == 2 and done["covered_gained"] > 0 and done["optimality_gap"] == pytest.approx(0)
    again = tmp_path / "again"
    assert main(["coverage", str(site / "sited.toml"), "--out", str(again), "--unit-type", "patrol_car",
                 "--hours", "18", "--minutes", "3"]) == 0
    city = pd.read_csv(again / "coverage_citywide.csv")
    assert float(city["residents"].iloc[0]) == pytest.approx(done["covered_after"], rel=1e-12)
    assert int(city["units"].iloc[0]) == 5
    run = tmp_path / "run"
    assert main(["run", str(site / "sited.toml"), "--steps", "5", "--out", str(run), "--no-progress"]) == 0


def test_static_against_dynamic_from_a_run(tmp_path, small):
    run = tmp_path / "run"
    assert main(["run", str(small), "--steps", "300", "--out", str(run), "--no-progress",
                 "--set", "offenders.count=300", "--set", "disputes.per_day=200"]) == 0
    out = tmp_path / "cov"
    assert main(["coverage", str(small), "--out", str(out), "--run", str(run), "--hours", "1,2,3",
                 "--minutes", "3"]) == 0
    rows = json.loads((out / "coverage.json").read_text())["static_dynamic"]
    assert [r["hour"] for r in rows] == ["01:00", "02:00", "03:00", "hours studied"]
    inc = pd.read_parquet(run / "incidents.parquet")
    calls = inc[np.isfinite(inc.t_call) & ~inc.on_view]
    studied = ((calls.t_call // 60) % 24).isin([1, 2, 3])
    assert sum(r["calls"] for r in rows[:3]) == rows[3]["calls"] == int(studied.sum()) > 0
    reached = (calls.t_first_arrival - calls.t_call) <= 3
    assert rows[3]["run_share"] == pytest.approx(reached[studied].mean())
    assert "Static against dynamic" in (out / "report.html").read_text()


def test_a_run_on_another_city_is_refused(tmp_path, small, capsys):
    run = tmp_path / "run"
    assert main(["run", "default", "--steps", "3", "--out", str(run), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["coverage", str(small), "--out", str(tmp_path / "never"), "--run", str(run)]) == 2
    err = capsys.readouterr().err
    assert "a run on another city (60 x 60 cells)" in err and err.count("\n") == 1
    assert not (tmp_path / "never").exists()
