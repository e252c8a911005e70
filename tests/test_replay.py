"""Replaying recorded calls (docs/replay.md): the closed loop, Erlang C, the Detroit and New Orleans
layouts, months-only records, simulated crime kept or not, and bad input as one line, exit 2,
nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import tomli_w
from scipy import stats

from polsim.cli import main
from polsim.data import synthetic
from polsim.model import PolicingModel
from polsim.output import REPLAY_KEY
from polsim.validation.erlang import mmc_overrides
from polsim.validation.queueing import CRITICAL_T, batch_means, erlang_c, erlang_c_mean_wait

START = pd.Timestamp("2018-07-01")
DETROIT = (-83.08, 42.36)
NEW_ORLEANS = (-90.07, 29.95)

LOOP = {"name": "loop", "time": {"days": 3}, "city": {"rows": 30, "cols": 30, "cameras": 0},
        "offenders": {"count": 300}, "disputes": {"per_day": 0},
        "guardians": {"grid_workers_per_grid": 0, "volunteers": 0},
        # no unit sees a crime (sight 0): every incident is a call, and the record holds them all
        "units": {"car": {"kind": "patrol_car", "count": 6, "sight_m": 0}}}


def _write(path, data) -> str:
    path.write_text(tomli_w.dumps(data))
    return str(path)


def _stamp(minutes: pd.Series, start: pd.Timestamp = START) -> pd.Series:
    stamped = (start + pd.to_timedelta(minutes, unit="min")).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    return stamped.where(minutes.notna(), "")


def _import(tmp_path, csv, scenario, column_map, name="calls") -> str:
    out = tmp_path / f"{name}.parquet"
    assert main(["data", "import", str(csv), "--schema", "generic", "--map", column_map,
                 "--scenario", str(scenario), "--out", str(out)]) == 0
    return str(out)


def _calls_of_run(model: PolicingModel) -> pd.DataFrame:
    t = pd.DataFrame(model.incident_table())
    return t[(t["status"] != "unreported") & ~t["on_view"]].reset_index(drop=True)


def _as_generic_csv(calls: pd.DataFrame, path) -> None:
    pd.DataFrame({"id": "r" + calls["id"].astype(str), "when": _stamp(calls["t_call"]),
                  "arrive": _stamp(calls["t_first_arrival"]), "closed": _stamp(calls["t_close"]),
                  "r": calls["row"], "c": calls["col"], "what": calls["type"],
                  "prio": calls["priority"]}).to_csv(path, index=False)


GENERIC_MAP = "id=id,time=when,t_arrival=arrive,t_close=closed,row=r,col=c,type=what,priority=prio"


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """A run of the loop scenario, its calls written as a generic CSV and imported."""
    tmp = tmp_path_factory.mktemp("loop")
    scenario = _write(tmp / "loop.toml", LOOP)
    model = PolicingModel(scenario, seed=1).run()
    calls = _calls_of_run(model)
    _as_generic_csv(calls, tmp / "calls.csv")
    table = _import(tmp, tmp / "calls.csv", scenario, GENERIC_MAP)
    times, _ = model.response_times()
    return {"tmp": tmp, "scenario": scenario, "calls": calls, "table": table, "times": times}


def test_closed_loop_gives_back_the_runs_response_times_and_counts(loop, capsys):
    out = loop["tmp"] / "replayed"
    assert main(["run", loop["scenario"], "--calls", loop["table"], "--period", "2018-07-01..2018-07-03",
                 "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "replay of" in printed and "2018-07-01..2018-07-03" in printed
    summary = json.loads((out / "summary.json").read_text())
    replayed = pd.read_parquet(out / "incidents.parquet")
    calls = loop["calls"]
    # counts by type and hour of the call: exactly the run's
    def by_type_hour(t):
        return t.groupby([t["type"], (t["t_call"] // 60 % 24).astype(int)]).size()

    pd.testing.assert_series_equal(by_type_hour(replayed), by_type_hour(calls))
    # every row is its record, by id, at its minute
    assert sorted(replayed["record_id"]) == sorted("r" + calls["id"].astype(str))
    joined = replayed.set_index("record_id").loc["r" + calls["id"].astype(str)]
    np.testing.assert_allclose(joined["t_call"].to_numpy(), calls["t_call"].to_numpy(), atol=1e-5)
    # the response-time distribution: mean within the run's interval, KS distance small
    original = loop["times"]
    rt = replayed["t_first_arrival"] - replayed["t_call"]
    rt = rt[np.isfinite(rt)].to_numpy()
    half = 1.96 * original.std(ddof=1) / np.sqrt(original.size)
    assert abs(rt.mean() - original.mean()) <= half
    assert summary["response_time_min"]["mean"] == pytest.approx(rt.mean())
    ks = stats.ks_2samp(rt, original)
    assert ks.statistic <= 1.36 * np.sqrt(2 / original.size), ks
    assert summary["replay"]["records"] == len(calls) == summary["replay"]["calls_made"]
    assert summary["replay"]["times_drawn"] is False and summary["replay"]["simulated_crime"] == "none"
    assert summary["crimes"]["total"] == len(calls)  # the recorded crimes, and no simulated ones
    meta = json.loads(pq.read_schema(out / "incidents.parquet").metadata[REPLAY_KEY])
    assert meta["period"] == "2018-07-01..2018-07-03" and meta["calls"] == loop["table"]
    assert json.loads((out / "run.json").read_text())["replay"]["records"] == len(calls)


def test_recorded_on_scene_times_are_the_service_times(loop):
    model = PolicingModel(loop["scenario"], seed=2, overrides={
        "calls.source": loop["table"], "calls.period": "2018-07-01..2018-07-03"}).run()
    t = pd.DataFrame(model.incident_table())
    record = pd.read_parquet(loop["table"]).set_index("id")
    closed = t[t["t_close"].notna()]
    recorded = record.loc[closed["record_id"], "on_scene_min"].to_numpy()
    have = np.isfinite(recorded)
    assert have.sum() > 100
    np.testing.assert_allclose((closed["t_close"] - closed["t_first_arrival"]).to_numpy()[have], recorded[have],
                               atol=1e-4)


def test_a_simulated_run_is_untouched_by_the_replay_code(loop):
    """No [calls]: the same seed gives the same run as before the replay existed (no calls stream drawn)."""
    a = PolicingModel(loop["scenario"], seed=1, overrides={"time.days": 0.5}).run()
    b = PolicingModel(loop["scenario"], seed=1, overrides={"time.days": 0.5}).run()
    assert a.calls is None and a.summary() == b.summary()
    assert "record_id" not in a.incident_table() and "replay" not in a.summary()


def test_keep_crime_keeps_only_the_types_the_record_lacks(loop, tmp_path):
    calls = loop["calls"]
    burglaries = calls[calls["type"] == "burglary"]
    _as_generic_csv(burglaries, tmp_path / "b.csv")
    table = _import(tmp_path, tmp_path / "b.csv", loop["scenario"], GENERIC_MAP, "b")
    over = {"calls.source": table, "calls.period": "2018-07-01..2018-07-03", "calls.keep_crime": True}
    model = PolicingModel(loop["scenario"], seed=1, overrides=over).run()
    s = model.summary()
    assert s["replay"]["simulated_crime"] == "the types the record lacks"
    # burglary: the recorded calls only; the other types: simulated, as usual
    assert s["crimes"]["by_type"]["burglary"] == len(burglaries)
    assert sum(v for k, v in s["crimes"]["by_type"].items() if k != "burglary") > 50
    t = pd.DataFrame(model.incident_table())
    assert (t.loc[t["type"] == "burglary", "record_id"] != "").all()
    assert (t.loc[t["type"] != "burglary", "record_id"] == "").all()
    assert (t.loc[t["record_id"] != "", "detected_by"] == "record").all()
    assert not t.loc[t["record_id"] != "", "on_view"].any()  # no on-view detection of a recorded call
    off = PolicingModel(loop["scenario"], seed=1, overrides={**over, "calls.keep_crime": False}).run().summary()
    assert off["crimes"]["total"] == len(burglaries)


def _poisson_calls(lam: float, minutes: float, rng, on_scene_mean: float | None) -> pd.DataFrame:
    n = rng.poisson(lam * minutes)
    t = np.sort(rng.random(n) * minutes)
    out = {"when": _stamp(pd.Series(t)), "r": 4, "c": 4, "what": "burglary"}
    if on_scene_mean is not None:
        out["scene"] = rng.exponential(on_scene_mean, n)
    return pd.DataFrame(out)


@pytest.mark.parametrize(("rho", "recorded_service"), [(0.5, True), (0.85, False)])
def test_poisson_calls_at_one_place_match_erlang_c(tmp_path, rho, recorded_service):
    """c identical units at one base, zero travel: call to dispatch is the M/M/c wait, whether the
    time on scene is the record's or drawn from the scenario's distribution.
    """
    c, mu, days = 3, 1 / 20.0, 20
    lam, minutes = rho * c * mu, days * 1440.0
    rng = np.random.default_rng(11)
    _poisson_calls(lam, minutes, rng, 1 / mu if recorded_service else None).to_csv(tmp_path / "p.csv", index=False)
    scen = _write(tmp_path / "city.toml", {"city": {"rows": 8, "cols": 8, "cameras": 0, "workstations": 1}})
    column_map = "time=when,row=r,col=c,type=what" + (",on_scene_min=scene" if recorded_service else "")
    table = _import(tmp_path, tmp_path / "p.csv", scen, column_map, "p")
    over = {**mmc_overrides(lam, mu, c, minutes), "time.step_minutes": 10.0, "crimes.burglary.on_scene_min": 1 / mu,
            "calls.source": table, "calls.period": "2018-07-01..2018-07-20"}
    model = PolicingModel("default", overrides=over, seed=3).run()
    t = pd.DataFrame(model.incident_table())
    lo, hi = 0.1 * minutes, minutes - 20.0 / (c * mu - lam) - 10.0 / mu
    kept = t[(t["t_call"] >= lo) & (t["t_call"] <= hi)]
    assert kept["t_dispatch"].notna().all()
    waits = (kept["t_dispatch"] - kept["t_call"]).to_numpy()
    p, p_se = batch_means((waits > 1e-9).astype(float).tolist())
    w, w_se = batch_means(waits.tolist())
    assert abs(p - erlang_c(lam, mu, c)) <= CRITICAL_T * p_se, (p, erlang_c(lam, mu, c), p_se)
    assert abs(w - erlang_c_mean_wait(lam, mu, c)) <= CRITICAL_T * w_se, (w, erlang_c_mean_wait(lam, mu, c), w_se)
    service = (t["t_close"] - t["t_dispatch"]).dropna()
    assert service.mean() == pytest.approx(1 / mu, rel=0.08)


def _placed_city(tmp_path, origin, name) -> str:
    return _write(tmp_path / f"{name}.toml", {
        "name": name, "city": {"rows": 20, "cols": 20, "cell_m": 250.0, "origin": list(origin), "cameras": 0},
        "time": {"step_minutes": 2.0},
        "units": {"car": {"kind": "patrol_car", "count": 8}}})


@pytest.mark.parametrize(("layout", "origin", "writer"), [
    ("detroit", DETROIT, synthetic.as_detroit), ("new_orleans", NEW_ORLEANS, synthetic.as_new_orleans)])
def test_synthetic_layouts_replay_with_recorded_and_simulated_times_side_by_side(tmp_path, capsys, layout,
                                                                                 origin, writer):
    truth = synthetic.draw(synthetic.KnownModel(origin=origin, days=4, start="2018-01-01"), seed=5)
    writer(truth).to_csv(tmp_path / "src.csv", index=False)
    scen = _placed_city(tmp_path, origin, layout)
    table = tmp_path / "calls.parquet"
    assert main(["data", "import", str(tmp_path / "src.csv"), "--schema", layout, "--scenario", scen,
                 "--max-outside", "0.1", "--out", str(table)]) == 0
    out = tmp_path / "run"
    assert main(["run", scen, "--calls", str(table), "--period", "2018-01-01..2018-01-04", "--out", str(out),
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "travel recorded/sim" in printed and "dispatch recorded/sim" in printed
    s = json.loads((out / "summary.json").read_text())
    record = pd.read_parquet(table)
    ok = record[(record["status"] == "ok") & (record["time"] < "2018-01-05")]
    assert s["replay"]["records"] == len(ok) > 150
    side = s["replay"]["recorded_vs_simulated"]
    for name in ("dispatch_min", "travel_min", "response_min"):
        assert side[name]["recorded"]["n"] > 150 and side[name]["simulated"]["n"] > 150
    # the record's mean travel is the truth's (9 min); the simulated one is this deployment's
    assert side["travel_min"]["recorded"]["mean"] == pytest.approx(9.0, rel=0.15)
    t = pd.read_parquet(out / "incidents.parquet")
    closed = t[t["t_close"].notna()]
    recorded = record.set_index("id").loc[closed["record_id"], "on_scene_min"].to_numpy()
    np.testing.assert_allclose((closed["t_close"] - closed["t_first_arrival"]).to_numpy(), recorded, atol=0.02)


UK_COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
              "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]


@pytest.fixture()
def months_only(tmp_path):
    """data.police.uk rows (months, no times) placed on a 20 x 20 city centred on Leeds."""
    leeds = (-1.55, 53.80)
    scen = _placed_city(tmp_path, leeds, "leeds")
    rng = np.random.default_rng(2)
    n = 400
    rows = pd.DataFrame({"Crime ID": [f"c{i}" for i in range(n)], "Month": "2018-07",
                         "Longitude": leeds[0] + (rng.random(n) - 0.5) * 0.05,
                         "Latitude": leeds[1] + (rng.random(n) - 0.5) * 0.03,
                         "Crime type": rng.choice(["Burglary", "Robbery", "Vehicle crime"], n)}, columns=UK_COLUMNS)
    rows = rows.fillna("")
    rows.to_csv(tmp_path / "uk.csv", index=False)
    table = tmp_path / "uk.parquet"
    assert main(["data", "import", str(tmp_path / "uk.csv"), "--schema", "police_uk", "--scenario", scen,
                 "--out", str(table)]) == 0
    return scen, str(table)


def test_months_only_records_replay_with_drawn_times_and_say_so(tmp_path, capsys, months_only):
    scen, table = months_only
    out = tmp_path / "drawn"
    assert main(["run", scen, "--calls", table, "--period", "2018-07", "--draw-times", "--out", str(out),
                 "--no-progress", "--steps", "1440"]) == 0
    captured = capsys.readouterr()
    assert "times drawn from the hourly profile" in captured.out
    s = json.loads((out / "summary.json").read_text())
    assert s["replay"]["times_drawn"] is True
    assert json.loads(pq.read_schema(out / "incidents.parquet").metadata[REPLAY_KEY])["times_drawn"] is True
    assert json.loads((out / "run.json").read_text())["replay"]["times_drawn"] is True
    t = pd.read_parquet(out / "incidents.parquet")
    assert (t["t_call"] < 1440 * 2).all() and len(t) > 0  # the first two days of July (--steps 1440)
    # the drawn minutes follow the hourly profile: over the whole month, a chi-square test
    from polsim.cities.source import city_for
    from polsim.replay.records import load_calls
    from polsim.scenario import load_scenario

    spec = load_scenario(scen, {"calls.source": table, "calls.period": "2018-07", "calls.draw_times": True}).spec
    calls = load_calls(spec, scen, city_for(spec.city), np.random.default_rng(0))
    assert (calls.t_call >= 0).all() and (calls.t_call < 31 * 1440).all()
    hours = np.bincount((calls.t_call // 60 % 24).astype(int), minlength=24)
    p = np.asarray(spec.field.crime_by_hour) / sum(spec.field.crime_by_hour)
    assert stats.chisquare(hours, p * hours.sum()).pvalue > 1e-3


def _refused(capsys, argv, out) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert not out.exists()
    return err


def test_bad_input_is_one_line_exit_2_nothing_written(loop, tmp_path, capsys, months_only):
    out = tmp_path / "never"
    run = ["run", loop["scenario"], "--out", str(out), "--no-progress"]
    period = ["--period", "2018-07-01..2018-07-03"]
    # a period the records do not cover
    err = _refused(capsys, [*run, "--calls", loop["table"], "--period", "2019-01"], out)
    assert "outside the records" in err and "2019-01" in err
    # records off the city: the same records against a smaller city
    small = _write(tmp_path / "small.toml", {**LOOP, "city": {"rows": 10, "cols": 10, "cameras": 0}})
    err = _refused(capsys, ["run", small, "--calls", loop["table"], *period, "--out", str(out)], out)
    assert "outside the 10x10 city" in err
    # a type the scenario lacks
    odd = loop["calls"].head(5).assign(type="arson")
    _as_generic_csv(odd, tmp_path / "odd.csv")
    odd_table = _import(tmp_path, tmp_path / "odd.csv", loop["scenario"], GENERIC_MAP, "odd")
    err = _refused(capsys, [*run, "--calls", odd_table, *period], out)
    assert "'arson' is not a crime type of the scenario" in err
    # files that are not an import's output: a plain Parquet table, a CSV, none at all
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "plain.parquet")
    assert "written by polsim data import" in _refused(capsys, [*run, "--calls", str(tmp_path / "plain.parquet"),
                                                                *period], out)
    assert "not a Parquet file" in _refused(capsys, [*run, "--calls", str(tmp_path / "odd.csv"), *period], out)
    assert "file not found" in _refused(capsys, [*run, "--calls", str(tmp_path / "none.parquet"), *period], out)
    # months only, without --draw-times
    scen, table = months_only
    err = _refused(capsys, ["run", scen, "--calls", table, "--period", "2018-07", "--out", str(out)], out)
    assert "months only" in err and "--draw-times" in err
    # a period that is not one, a period without calls, --days with a replay
    assert "not one period" in _refused(capsys, [*run, "--calls", loop["table"], "--period", "July"], out)
    assert "calls.source" in _refused(capsys, [*run, *period], out)
    assert "--days" in _refused(capsys, [*run, "--calls", loop["table"], *period, "--days", "1"], out)


def test_compare_two_deployments_on_the_identical_call_stream(loop, tmp_path, capsys):
    more = _write(tmp_path / "more.toml", {**LOOP, "name": "more",
                                          "units": {"car": {**LOOP["units"]["car"], "count": 12}}})
    out = tmp_path / "cmp"
    assert main(["compare", f"{loop['scenario']},{more}", "--calls", loop["table"], "--period",
                 "2018-07-01..2018-07-03", "--steps", "1440", "--replications", "2", "--workers", "1",
                 "--out", str(out), "--no-progress"]) == 0
    metrics = json.loads((out / "compare.json").read_text())["metrics"]
    # the same calls in every arm and seed (the first day's), so only service and travel differ
    first_day = int((loop["calls"]["t_call"] < 1440).sum())
    assert {m["response_time_min.calls"]["mean"] for m in metrics.values()} == {first_day}
    mean = {arm: m["response_time_min.mean"]["mean"] for arm, m in metrics.items()}
    assert mean[more] < mean[loop["scenario"]]


def test_sweep_and_optimise_specs_replay_their_calls(loop, tmp_path):
    from polsim.experiments.optimise.checks import load_optimise
    from polsim.experiments.sweep.plan import make_plan, run_of
    from polsim.experiments.sweep.spec import load_sweep
    from polsim.runs import execute
    from polsim.scenario import SpecError

    table = tmp_path / "calls.parquet"
    table.write_bytes(Path(loop["table"]).read_bytes())  # named relative to the spec's folder
    scen = _write(tmp_path / "loop.toml", LOOP)
    sweep = _write(tmp_path / "sweep.toml", {
        "scenario": "loop.toml", "replications": 1, "steps": 600, "metrics": ["response_time_min.mean"],
        "calls": {"source": "calls.parquet", "period": "2018-07-01..2018-07-03"},
        "parameters": {"units.car.count": {"values": [4, 8]}}})
    spec = load_sweep(sweep)
    assert spec.fixed["calls.source"] == str(table.resolve())
    plan = make_plan(spec)
    summary = execute(run_of(spec.as_dict(), "random", 1, plan.runs[0].params)).summary
    assert summary["replay"]["calls"] == str(table.resolve())
    with pytest.raises(SpecError, match="days"):
        load_sweep(_write(tmp_path / "bad.toml", {**tomli_loads(sweep), "days": 1}))
    study = _write(tmp_path / "study.toml", {
        "scenario": "loop.toml", "objectives": ["min response_time_min.mean"], "steps": 600,
        "calls": {"source": "calls.parquet", "period": "2018-07-01..2018-07-03"},
        "variables": {"units": {"car": {"count": [2, 8]}}}})
    opt = load_optimise(study)
    assert opt.base_overrides()["calls.source"] == str(table.resolve())
    assert opt.base_overrides()["calls.period"] == "2018-07-01..2018-07-03"
    assert scen  # the scenario the specs name


def tomli_loads(path: str) -> dict:
    import tomllib

    with open(path, "rb") as fh:
        return tomllib.load(fh)


def test_the_budget_counts_the_recorded_calls(loop):
    from polsim.scenario import ScenarioError, budget, load_scenario

    spec = load_scenario(loop["scenario"]).spec
    plain, replay = budget.estimate(spec), budget.estimate(spec, calls=100_000)
    assert replay.incidents == plain.incidents + 100_000
    assert replay.peak_bytes - plain.peak_bytes == 100_000 * (budget.INCIDENT_BYTES + budget.CALL_RECORD_BYTES)
    with pytest.raises(ScenarioError, match="would take"):
        budget.check(spec, loop["scenario"], calls=10**12)


def test_a_period_of_months_only_records_must_be_whole_months(months_only, tmp_path, capsys):
    scen, table = months_only
    out = tmp_path / "never"
    err = _refused(capsys, ["run", scen, "--calls", table, "--period", "2018-07-01..2018-07-10", "--draw-times",
                            "--out", str(out)], out)
    assert "whole months" in err


def test_a_seeded_replay_repeats_exactly_on_both_backends(loop):
    over = {"calls.source": loop["table"], "calls.period": "2018-07-01..2018-07-03"}
    runs = [PolicingModel(loop["scenario"], backend=b, seed=4, overrides=over).run(720) for b in ("numba", "mesa")]
    a, b = (r.summary() for r in runs)
    assert {**a, "backend": ""} == {**b, "backend": ""}
    pd.testing.assert_frame_equal(pd.DataFrame(runs[0].incident_table()), pd.DataFrame(runs[1].incident_table()))


def test_records_imported_onto_another_city_are_refused(months_only, tmp_path, capsys):
    _, table = months_only  # imported onto Leeds
    detroit = _placed_city(tmp_path, DETROIT, "detroit")
    out = tmp_path / "never"
    err = _refused(capsys, ["run", detroit, "--calls", table, "--period", "2018-07", "--draw-times",
                            "--out", str(out)], out)
    assert "imported onto another city" in err
    # the same place, shifted by two kilometres: same CRS, other cells
    shifted = _write(tmp_path / "shifted.toml", {"city": {"rows": 20, "cols": 20, "cell_m": 250.0, "cameras": 0,
                                                          "origin": [-1.55 + 0.03, 53.80]}})
    err = _refused(capsys, ["run", shifted, "--calls", table, "--period", "2018-07", "--draw-times",
                            "--out", str(out)], out)
    assert "other cells" in err
