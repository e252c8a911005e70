"""`polsim run` end to end, as a user runs it: files written, repeatable, bad input refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

POLSIM = [sys.executable, "-m", "sim"]
SHORT = ["--days", "0.2", "--set", "offenders.count=200", "--set", "time.start_hour=9", "--no-progress"]


def polsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*POLSIM, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_run_writes_summary_incidents_and_crime_map(tmp_path):
    out = tmp_path / "demo"
    done = polsim("run", "scenarios/default.toml", "--out", str(out), "--seed", "4", *SHORT)
    assert done.returncode == 0, done.stderr
    assert "within 1/3/5 min" in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    for key in ("scenario", "policy", "seed", "backend", "sim_minutes", "crimes", "incidents", "arrests",
                "utilisation", "visibility", "disputes_escalated"):
        assert key in summary
    assert set(summary["response_time_min"]) >= {"mean", "median", "p90", "within_1", "within_3", "within_5"}
    assert summary["sim_minutes"] == 0.2 * 1440
    incidents = pd.read_parquet(out / "incidents.parquet")
    assert len(incidents) == summary["incidents"] + summary["incidents_unreported"]
    assert (incidents["status"] != "unreported").sum() == summary["incidents"]
    assert incidents["grid_code"].str.fullmatch(r"\d{15}").all()
    assert set(incidents["detected_by"]) <= {"victim", "witness", "grid_worker", "volunteer", "camera", "on_view"}
    reached = incidents.dropna(subset=["t_first_arrival"])
    calls = incidents[incidents["t_call"].notna() & ~incidents["on_view"]]
    assert np.isclose((reached.loc[calls.index.intersection(reached.index), "t_first_arrival"]
                       - reached.loc[calls.index.intersection(reached.index), "t_call"]).mean(),
                      summary["response_time_min"]["mean"])
    counts = np.load(out / "crimes_by_cell.npz")
    assert counts["counts"].sum() == summary["crimes"]["total"]
    assert list(counts["types"]) == list(summary["crimes"]["by_type"])
    assert pq.read_schema(out / "incidents.parquet").field("t_call").type == "double"
    run_info = json.loads((out / "run.json").read_text())
    assert "wall_seconds" in run_info and "wall" not in (out / "summary.json").read_text()


def test_two_runs_with_one_seed_give_byte_identical_summaries(tmp_path):
    for name in ("a", "b"):
        assert polsim("run", "default", "--out", str(tmp_path / name), "--seed", "9", *SHORT).returncode == 0
    assert (tmp_path / "a" / "summary.json").read_bytes() == (tmp_path / "b" / "summary.json").read_bytes()


def test_backends_give_the_same_summary_from_the_cli(tmp_path):
    for backend in ("numba", "mesa"):
        done = polsim("run", "default", "--out", str(tmp_path / backend), "--backend", backend, "--steps", "120",
                      "--set", "time.start_hour=9", "--no-progress")
        assert done.returncode == 0, done.stderr
    a, b = (json.loads((tmp_path / k / "summary.json").read_text()) for k in ("numba", "mesa"))
    assert a.pop("backend") == "numba" and b.pop("backend") == "mesa"
    assert a == b and a["steps"] == 120


def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[units.patrol_car]\ncount = 2\nspeed_kmh = 0\n')
    for args in (["run", str(bad)], ["run", "default", "--set", "offenders.count=-1"],
                 ["run", "default", "--policy", "nonsense"], ["run", "default", "--days", "0"],
                 ["run", "default", "--policy", "random,hotspot"]):  # no comma syntax: one policy, or a+b
        out = tmp_path / "out"
        done = polsim(*args, "--out", str(out))
        assert done.returncode == 2, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
        assert not out.exists()
    assert "units.patrol_car.speed_kmh: must be > 0" in polsim("run", str(bad)).stderr


USER_POLICY = '''
"""A user's own policy, written beside their scenarios, not installed."""

from polsim.policies import Policy


class StayHome(Policy):
    """Every idle unit goes back to its base."""

    name = "stay_home"

    def patrol_targets(self, model, units, u):
        return model.units.base_r[units], model.units.base_c[units]
'''


def test_a_users_policy_module_in_the_working_directory_loads_with_the_installed_script(tmp_path):
    """``polsim run --policy mypols.home:StayHome`` from the folder holding ``mypols/``.

    The installed script puts its own folder first on ``sys.path``, not the working directory
    (``python -m sim`` would have found the module anyway), so this runs the script itself.
    """
    script = Path(sys.executable).with_name("polsim")
    assert script.exists(), "polsim is not installed in this environment (pip install -e .)"
    (tmp_path / "mypols").mkdir()
    (tmp_path / "mypols" / "__init__.py").write_text("")
    (tmp_path / "mypols" / "home.py").write_text(USER_POLICY)
    done = subprocess.run([str(script), "run", "default", "--policy", "mypols.home:StayHome+cordon", "--out",
                           "out", "--steps", "30", "--no-progress"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["policy"] == "stay_home+cordon"
    missing = subprocess.run([str(script), "run", "default", "--policy", "mypols.nothere:X", "--out", "o2"],
                             capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert missing.returncode == 2 and "No module named 'mypols.nothere'" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


BAD_NUMBERS = [
    (["run", "default", "--seed", "-3"], "--seed must be >= 0, got -3"),
    (["compare", "default", "--seed-base", "-1"], "--seed-base must be in [0, 9,223,372,036,854,775,797], got -1"),
    (["run", "default", "--days", "-1"], "--days must be > 0"),
    (["run", "default", "--days", "nan"], "--days nan: time.days: must be a finite number"),
    (["run", "default", "--days", "1e9"], "--days 1e+09: time.days: must be <= 3660"),
    (["run", "default", "--steps", "-5"], "--steps must be > 0, got -5"),
    (["compare", "default", "--steps", "0"], "--steps must be in [1, 10,000,000], got 0"),
    (["compare", "default", "--replications", "-2"], "--replications must be in [1, 1,000], got -2"),
    (["compare", "default", "--workers", "0"], "--workers must be in [1, "),
    (["sweep", "no_such_spec.toml", "--workers", "-1"], "--workers must be in [1, "),
]


def test_bad_numbers_on_the_command_line_are_one_line_exit_2(tmp_path, capsys):
    """Negative seeds gave a numpy traceback and exit 1; every numeric option is checked."""
    from polsim.cli import main

    for args, message in BAD_NUMBERS:
        out = tmp_path / "out"
        code = main([*args, "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2, (args, err)
        assert err.strip().splitlines() == [err.strip()] and message in err, (args, err)
        assert not out.exists()


def test_a_bad_set_value_names_the_set_not_the_scenario_file(tmp_path, capsys):
    from polsim.cli import main

    scenario = tmp_path / "d.toml"
    scenario.write_text("[offenders]\ncount = 10\n")
    cases = [
        (["--set", "offenders.count=-1"], "--set offenders.count=-1: offenders.count: must be >= 0, got -1"),
        (["--set", "units.foo.count=1"], "--set units.foo.count=1: units.foo: unknown unit kind 'foo'"),
        (["--set", "city.land_use.blocked=0.6"],
         "--set city.land_use.blocked=0.6: city.land_use.blocked: must be <= 0.5"),
        (["--set", "policy.cordon_crimes=['theft']"], "--set policy.cordon_crimes=['theft']: "),
        (["--set", "units.patrol_car.base_cells=[[0, 99]]"], "--set units.patrol_car.base_cells=[[0, 99]]: "
                                                             "units.patrol_car.base_cells[0]: cell (0, 99)"),
    ]
    for command in ("run", "validate"):
        for extra, message in cases:
            code = main([command, str(scenario), *extra, *(["--out", str(tmp_path / "o")] if command == "run" else [])])
            err = capsys.readouterr().err.strip()
            assert code == 2 and err.splitlines() == [err], (command, extra, err)
            assert err.startswith(f"polsim: error: {message}"), (command, extra, err)
            assert str(scenario) not in err
    # the file itself wrong: still the file, whatever unrelated --set is given
    scenario.write_text("[offenders]\ncount = -4\n")
    assert main(["validate", str(scenario), "--set", "units.patrol_car.count=2"]) == 2
    assert capsys.readouterr().err.strip() == f"polsim: error: {scenario}: offenders.count: must be >= 0, got -4"
    # ... and an override that mends the file is taken
    assert main(["validate", str(scenario), "--set", "offenders.count=4"]) == 0


def test_dispatch_is_the_scenario_field_and_the_option_its_shorthand(tmp_path, capsys):
    """``--dispatch zone`` and ``--set dispatch.rule=zone`` are one way: the same run, byte for byte,
    and a bad rule given either way names what the user typed.
    """
    from polsim.cli import main

    short = ["--steps", "30", "--set", "offenders.count=200", "--set", "time.start_hour=9", "--no-progress"]
    for name, how in (("option", ["--dispatch", "zone"]), ("field", ["--set", "dispatch.rule=zone"])):
        assert main(["run", "default", *how, *short, "--seed", "2", "--out", str(tmp_path / name)]) == 0
    option, field = ((tmp_path / k / "summary.json").read_bytes() for k in ("option", "field"))
    assert option == field and json.loads(option)["dispatch"] == "zone"
    capsys.readouterr()
    assert main(["run", "default", "--set", "dispatch.rule=nearest", "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err] and "--set dispatch.rule=nearest" in err and "avl, zone" in err
    from polsim.model import PolicingModel

    with pytest.raises(TypeError, match=r"overrides=\{'dispatch.rule': 'zone'\}"):
        PolicingModel("default", dispatch="zone")
