"""polsim calibrate: the baseline raster hook, recovering a known baseline through the model,
recovering a known model's rates and delays from its records, and the command's files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import tomli_w
from scipy import stats

from polsim.cities.source import city_for
from polsim.cli import main
from polsim.data import synthetic
from polsim.data.agreement import block_sums
from polsim.data.baseline_file import save_baseline
from polsim.data.calibrate import FitOptions, fit, report_delays
from polsim.data.observed import Observed, observe
from polsim.data.period import parse_period
from polsim.data.read import normalise, read_csv
from polsim.data.runs import simulate
from polsim.data.schemas import schema_named
from polsim.data.typemap import type_map_for
from polsim.model import PolicingModel
from polsim.scenario import ScenarioError, load_scenario

TYPES = ["pickpocketing", "robbery", "ebike_theft", "burglary", "assault"]
DETROIT = (-83.08, 42.36)


def tiny(tmp_path, origin=None, **extra) -> str:
    """A 20 x 20 city of 250 m cells, 150 offenders, 5-minute steps, no disputes."""
    city = {"rows": 20, "cols": 20, "cell_m": 250.0, "grid_cells": 4, "station_grids": 1, "district_stations": 1,
            "cameras": 5, "workstations": 1, "land_use": {"residential": 0.6, "commercial": 0.2, "market": 0.05,
                                                          "park": 0.1, "transit": 0.05, "blocked": 0.0}}
    if origin:
        city["origin"] = list(origin)
    data = {"name": "tiny", "time": {"days": 2, "step_minutes": 5.0}, "city": city, "offenders": {"count": 150},
            "guardians": {"grid_workers_per_grid": 0, "volunteers": 20}, "disputes": {"per_day": 0.0},
            "units": {"patrol_car": {"count": 3}}, **extra}
    path = tmp_path / "tiny.toml"
    path.write_text(tomli_w.dumps(data))
    return str(path)


def as_read(tmp_path, frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as polsim reads it back from a CSV (every cell text)."""
    frame.to_csv(tmp_path / "f.csv", index=False)
    return read_csv(tmp_path / "f.csv")


def known_baseline(level: float = 8e-4) -> np.ndarray:
    """Two hotspots with different type mixes over a floor."""
    r, c = np.mgrid[0:20, 0:20]

    def bump(r0, c0, s):
        return np.exp(-((r - r0) ** 2 + (c - c0) ** 2) / (2 * s * s))

    total = 0.15 + bump(5, 5, 3) + 0.6 * bump(14, 13, 2.5)
    mix = np.stack([0.4 + 0.3 * bump(5, 5, 4), 0.1 + 0 * r, 0.3 + 0 * r,
                    0.5 - 0.3 * bump(5, 5, 4) + 0.2 * bump(14, 13, 3), 0.2 + 0 * r])
    return level * total * mix / mix.sum(axis=0)


def test_baseline_raster_sets_where_and_which_crime(tmp_path):
    a0 = np.zeros((len(TYPES), 20, 20))
    a0[TYPES.index("robbery"), 3, 4] = 0.02
    save_baseline(tmp_path / "b.npz", a0, TYPES)
    scen = tiny(tmp_path, field={"baseline": "b.npz"})
    model = PolicingModel(scen, seed=2).run(steps=288)
    crimes = model.metrics.crimes_by_cell
    assert crimes.sum() > 20
    assert crimes[TYPES.index("robbery")].sum() == crimes.sum()  # the cell's own mix
    assert crimes[:, 3, 4].sum() >= 0.9 * crimes.sum()


@pytest.mark.parametrize("a0, problem", [
    (np.zeros((5, 20, 21)), "a0 has shape (5, 20, 21); must be (5 types, 20, 20) to match the city"),
    (-np.ones((5, 20, 20)), "a0 must be finite and >= 0 everywhere"),
    (np.full((5, 20, 20), np.nan), "a0 must be finite and >= 0 everywhere"),
])
def test_bad_baseline_is_one_line(tmp_path, a0, problem):
    save_baseline(tmp_path / "b.npz", a0, TYPES)
    scen = tiny(tmp_path, field={"baseline": "b.npz"})
    with pytest.raises(ScenarioError) as err:
        PolicingModel(scen, seed=1)
    assert str(err.value) == f"{scen}: field.baseline: {tmp_path / 'b.npz'}: {problem}"


def test_missing_baseline_file_exits_2(tmp_path, capsys):
    scen = tiny(tmp_path, field={"baseline": "nope.npz"})
    assert main(["run", scen, "--days", "0.01", "--out", str(tmp_path / "r"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(f"field.baseline: {tmp_path / 'nope.npz'}: file not found")
    assert not (tmp_path / "r").exists()


def test_fit_recovers_a_known_baseline(tmp_path):
    """Simulate from a known baseline; calibrate from the records' kernel density; the fitted
    model agrees with the records and its baseline has the truth's shape and size."""
    truth = known_baseline()
    save_baseline(tmp_path / "truth.npz", truth, TYPES)
    scen = tiny(tmp_path)
    runs = simulate(scen, {"field.baseline": str(tmp_path / "truth.npz")}, [101, 102, 103, 104], 4.0, 1.0)
    obs = Observed(TYPES, np.sum([r.crimes for r in runs], axis=0).astype(float), 16.0, None, 0)
    spec = load_scenario(scen).spec
    work = tmp_path / "work"
    work.mkdir()
    result = fit(scen, spec, city_for(spec.city), obs, FitOptions(rounds=4, replications=3, days=3, warmup_days=1),
                 work, None, False)
    first, best = result.rounds[0], result.rounds[result.best - 1]
    assert result.converged and best["blocks_p_value"] >= 0.05
    assert best["blocks_deviance"] < first["blocks_deviance"]
    fitted, true = block_sums(result.a0.sum(axis=0), 4), block_sums(truth.sum(axis=0), 4)
    assert np.corrcoef(fitted.ravel(), true.ravel())[0, 1] > 0.9
    assert 0.8 < fitted.sum() / true.sum() < 1.2
    # the type mix of the first hotspot: pickpocketing rises and burglary falls there, as in the truth
    mix = result.a0[:, 3:8, 3:8].sum(axis=(1, 2)) / result.a0[:, 3:8, 3:8].sum()
    true_mix = truth[:, 3:8, 3:8].sum(axis=(1, 2)) / truth[:, 3:8, 3:8].sum()
    np.testing.assert_allclose(mix, true_mix, atol=0.08)


def _detroit_observed(tmp_path, days=28, seed=5):
    model = synthetic.KnownModel(origin=DETROIT, days=days)
    rec = normalise(as_read(tmp_path, synthetic.as_detroit(synthetic.draw(model, seed))), schema_named("detroit"),
                    type_map_for("detroit"), "d.csv")
    spec = load_scenario(tiny(tmp_path, origin=DETROIT)).spec
    return model, observe(rec, city_for(spec.city), list(spec.crimes), parse_period("2018-01"), "d.csv")


def test_fixture_rates_hours_and_response_parts_recovered(tmp_path):
    model, obs = _detroit_observed(tmp_path)
    assert model.days <= obs.days <= model.days + 1  # calls of the last crimes may come the next day
    placed = 1 - model.unplaced_share
    for t, rate in model.rates.items():
        n = obs.counts[TYPES.index(t)].sum()
        assert abs(n - rate * placed * model.days) < 3 * np.sqrt(rate * placed * model.days)
    # the hourly profile of calls: a chi-square goodness of fit against the known one, on the
    # types called in within minutes (a burglary's 90-minute delay shifts its calls' hours)
    hours = obs.by_hour[:, [TYPES.index("assault"), TYPES.index("robbery")]].sum(axis=1)
    expected = np.asarray(model.hour_profile) / 24 * hours.sum()
    assert stats.chisquare(hours, expected).pvalue > 0.001
    calls = obs.delays
    for part, mean in (("travel_min", model.travel_min), ("dispatch_min", model.intake_min + model.dispatch_min),
                       ("response_min",
                                                          model.intake_min + model.dispatch_min + model.travel_min)):
        x = calls[part].to_numpy()
        assert abs(x.mean() - mean) < 3 * x.std(ddof=1) / np.sqrt(x.size)


def test_report_delays_recovered_from_crime_and_call_times(tmp_path):
    model = synthetic.KnownModel(origin=DETROIT, days=28)
    rec = normalise(as_read(tmp_path, synthetic.as_generic(synthetic.draw(model, seed=6))),
                    schema_named("generic", "occurred=occurred,time=reported,lon=lng,lat=lat,type=offence"),
                    type_map_for("generic"), "g.csv")
    rec.table = rec.table[rec.table["type"] != "traffic"]
    spec = load_scenario(tiny(tmp_path, origin=DETROIT)).spec
    obs = observe(rec, city_for(spec.city), list(spec.crimes), parse_period("2018-01"), "g.csv")
    delays = report_delays(obs)
    assert set(delays) == set(model.rates)
    for t, d in delays.items():
        assert abs(d["mean"] - model.report_delay_min[t]) < 3 * d["se"]


def test_calibrate_and_backtest_commands(tmp_path, capsys):
    """End to end on a Detroit fixture: import, calibrate (in this process), back-test."""
    model = synthetic.KnownModel(origin=DETROIT, days=56, start="2018-01-01")
    src = tmp_path / "calls.csv"
    synthetic.as_detroit(synthetic.draw(model, seed=7)).to_csv(src, index=False)
    data = tmp_path / "calls.parquet"
    assert main(["data", "import", str(src), "--schema", "detroit", "--out", str(data)]) == 0
    scen = tiny(tmp_path, origin=DETROIT)
    out = tmp_path / "cal" / "tiny_calibrated.toml"
    run_opts = ["--replications", "2", "--days", "2", "--warmup-days", "0.5", "--workers", "0", "--no-progress"]
    assert main(["calibrate", scen, "--data", str(data), "--period", "2018-01", "--out", str(out),
                 "--rounds", "2", *run_opts]) == 0
    printed = capsys.readouterr().out
    assert "round  observed  expected  deviance" in printed
    spec = load_scenario(out).spec
    assert spec.field.baseline == "tiny_calibrated_baseline.npz"
    assert spec.field.crime_by_hour != load_scenario(scen).spec.field.crime_by_hour
    assert spec.crimes["burglary"].report_delay_min == load_scenario(scen).spec.crimes["burglary"].report_delay_min
    rounds = pd.read_csv(tmp_path / "cal" / "tiny_calibrated_rounds.csv")
    assert list(rounds["round"])[:1] == [1] and {"blocks_deviance", "blocks_p_value"} <= set(rounds)
    record = json.loads((tmp_path / "cal" / "tiny_calibrated_calibration.json").read_text())
    assert record["period"] == "2018-01" and record["observed_days"] == 31
    bt = tmp_path / "bt"
    assert main(["backtest", str(out), "--data", str(data), "--period", "2018-02", "--out", str(bt), *run_opts]) == 0
    page = (bt / "report.html").read_text()
    for heading in ("Totals by type", "agreement over blocks", "Response times"):
        assert heading in page
    for name in ("totals.png", "maps.png", "difference.png", "hours.png", "qq.png", "spatial.csv"):
        assert (bt / name).exists()
    result = json.loads((bt / "backtest.json").read_text())
    assert result["train_period"] == "2018-01" and {r["scale_m"] for r in result["spatial"]} == {500.0, 1000.0}


def test_empty_period_is_one_line_and_writes_nothing(tmp_path, capsys):
    src = tmp_path / "calls.csv"
    synthetic.as_detroit(synthetic.draw(synthetic.KnownModel(origin=DETROIT, days=3), seed=1)).to_csv(src, index=False)
    data = tmp_path / "calls.parquet"
    assert main(["data", "import", str(src), "--schema", "detroit", "--out", str(data)]) == 0
    capsys.readouterr()
    out = tmp_path / "cal" / "x.toml"
    assert main(["calibrate", tiny(tmp_path, origin=DETROIT), "--data", str(data), "--period", "2019-05",
                 "--out", str(out), "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"polsim: error: {data}: --period: 2019-05 has no usable records; the data covers 2018-01"
    assert not out.parent.exists()


def test_records_that_are_not_a_table(tmp_path, capsys):
    bad = tmp_path / "x.parquet"
    bad.write_text("not parquet")
    assert main(["calibrate", tiny(tmp_path), "--data", str(bad), "--period", "2018-01",
                 "--out", str(tmp_path / "o.toml"), "--workers", "0"]) == 2
    assert "x.parquet: not a Parquet file" in capsys.readouterr().err


@pytest.mark.slow
def test_calibrate_on_a_dask_local_cluster(tmp_path):
    model = synthetic.KnownModel(origin=DETROIT, days=28)
    src = tmp_path / "calls.csv"
    synthetic.as_detroit(synthetic.draw(model, seed=8)).to_csv(src, index=False)
    data = tmp_path / "calls.parquet"
    assert main(["data", "import", str(src), "--schema", "detroit", "--out", str(data)]) == 0
    out = tmp_path / "c.toml"
    assert main(["calibrate", tiny(tmp_path, origin=DETROIT), "--data", str(data), "--period", "2018-01",
                 "--out", str(out), "--rounds", "2", "--replications", "2", "--days", "2", "--workers", "2",
                 "--no-progress"]) == 0
    assert load_scenario(out).spec.field.baseline


def test_fit_at_the_cell_scale_keeps_the_ranking_of_scattered_crime(tmp_path):
    """Crime on scattered points, most cells empty (data.police.uk's snap points): the default fit
    (no kernel, 500 m blocks) ranks cells and 500 m blocks like the truth, and like a held-out
    period, better than the former 400 m kernel with 1 km blocks, which puts crime on the empty
    cells around the busy ones."""
    rng = np.random.default_rng(11)
    points = rng.random((20, 20)) < 0.15
    weight = np.where(points, rng.lognormal(0.0, 1.0, (20, 20)), 0.0)
    truth = 4e-3 * weight[None] * np.array([0.2, 0.1, 0.1, 0.3, 0.3])[:, None, None] + 1e-7
    save_baseline(tmp_path / "truth.npz", truth, TYPES)
    scen = tiny(tmp_path)
    runs = simulate(scen, {"field.baseline": str(tmp_path / "truth.npz")}, [201, 202, 203, 204], 3.0, 1.0)
    train = np.sum([r.crimes for r in runs[:2]], axis=0).astype(float)
    held_out = np.sum([r.crimes for r in runs[2:]], axis=0).sum(axis=0)
    obs = Observed(TYPES, train, 6.0, None, 0)
    spec = load_scenario(scen).spec
    city = city_for(spec.city)
    scores = {}
    run = {"rounds": 2, "replications": 2, "days": 3.0, "warmup_days": 1.0}
    for name, options in {"cells": FitOptions(**run), "kernel": FitOptions(**run, bandwidth_m=400.0,
                                                                          block_m=1000.0)}.items():
        work = tmp_path / name
        work.mkdir()
        result = fit(scen, spec, city, obs, options, work, None, False)
        fitted = result.a0.sum(axis=0)
        simulated = np.sum([r.crimes for r in result.last_runs], axis=0).sum(axis=0)
        scores[name] = (stats.spearmanr(fitted.ravel(), truth.sum(axis=0).ravel()).statistic,
                        stats.spearmanr(block_sums(simulated, 2).ravel(), block_sums(held_out, 2).ravel()).statistic)
    assert scores["cells"][0] > scores["kernel"][0] + 0.1
    assert scores["cells"][1] > scores["kernel"][1]
