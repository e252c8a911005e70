"""polsim bench: the table's rows and JSON, its command line, and the benchmarks as scripts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from polsim.benchmarks.table import format_table
from polsim.cli import main


def test_bench_cli_writes_the_table(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--only", "memory", "--out", str(out)]) == 0
    table = json.loads(out.read_text())
    assert table["memory"]["offender_bytes"] > 0 and "memory per agent" in capsys.readouterr().out
    # the JSON of docs/bench_full.json: the same keys at the top and in the row
    stored = json.loads((Path(__file__).parents[1] / "docs" / "bench_full.json").read_text())
    assert set(table) - {"memory", "memory_wall_s"} <= set(stored) and set(table["memory"]) == set(stored["memory"])


def test_bench_cli_rejects_unknown_row(capsys):
    assert main(["bench", "--only", "nope"]) == 2
    assert "--only" in capsys.readouterr().err


def test_agent_loop_timer_counts_only_the_loops():
    from polsim import PolicingModel
    from polsim.benchmarks.engine import _time_agent_loops

    model = PolicingModel("default", seed=1, overrides={"time.days": 0.01})
    spent = _time_agent_loops(model.backend)
    t0 = time.perf_counter()
    model.run(5)
    assert 0.0 < spent[0] < time.perf_counter() - t0


def test_the_dispatch_replay_finds_the_runs_answers_with_both_stops(monkeypatch):
    """The loaded_step row's replay: every recorded search answered again, with the lower-bound
    stop and with the frontier stop, gives the run's unit, time and path; the row prints."""
    import polsim.engine.router as router_module
    from polsim import PolicingModel
    from polsim.benchmarks.dispatch import COMPONENTS, loaded_step_lines, replay

    model = PolicingModel("default", seed=2, overrides={"time.days": 0.2})
    calls, search = [], router_module.nearest_unit

    def recorded(src, w, *args):
        out = search(src, w, *args)
        calls.append((src, 0 if w is model.router.w[0] else 1, args[2].copy(), args[3].copy(), args[4], args[8],
                      args[9], out[0], out[1], out[2].copy()))
        return out

    monkeypatch.setattr(router_module, "nearest_unit", recorded)
    model.run(240)
    assert len(calls) > 5
    row = replay(calls, model.router.w, model.router.rows, model.router.cols, scipy_calls=3)
    assert row["searches"] == len(calls) and row["differ_prune"] == 0 and row["differ_frontier"] == 0
    assert row["scipy_searches"] == 3 and 0 <= row["scipy_same_time"] <= row["scipy_same_unit"] <= 3
    row.update({"warm_steps": 0, "steps": 240, "ms_per_step": 1.0, "searches_per_step": len(calls) / 240,
                "components_ms": {label: 0.05 for label, _, _ in COMPONENTS}})
    text = "\n".join(loaded_step_lines(row))
    assert "nearest free unit (Router.nearest)" in text and "the rest" in text and "scipy" in text
    assert "{" not in text


def test_every_timed_component_of_the_loaded_step_is_a_method_of_the_model():
    """The loaded_step row wraps each component by name: a renamed method must fail here, not
    in a citywide child process minutes into the bench."""
    from polsim import PolicingModel
    from polsim.benchmarks.dispatch import COMPONENTS

    model = PolicingModel("default", seed=1, overrides={"time.days": 0.01})
    for label, owner, name in COMPONENTS:
        obj = model if owner == "model" else getattr(model, owner)
        assert callable(getattr(obj, name, None)), label


def test_a_failing_benchmark_child_says_why():
    """A child process's error reaches the bench as one line naming it."""
    from polsim.benchmarks.engine import _child

    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        _child("1 / 0")


def test_bench_table_prints_every_row_of_a_stored_run():
    """The table of the stored full run names both ratios, the targets and the sweep and UI rows."""
    table = json.loads((Path(__file__).parents[1] / "docs" / "bench_full.json").read_text())
    text = format_table(table)
    assert "ratio numba/mesa, whole step" in text and "ratio numba/mesa, agent loops alone" in text
    for row in ("offender kernel", "scaling", "memory per agent", "compile", "citywide", "long run",
                "ui, default scenario", "sweep, 1-day"):
        assert row in text, row
    assert "{" not in text  # no raw JSON left in the table


@pytest.mark.parametrize("where", ["dev_null", "folder", "missing_folder"])
def test_bench_out_must_be_a_file_in_a_writable_folder(tmp_path, capsys, where):
    out = {"dev_null": Path("/dev/null"), "folder": tmp_path, "missing_folder": tmp_path / "no" / "b.json"}[where]
    assert main(["bench", "--only", "memory", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("polsim: error: --out: "), err
    assert Path("/dev/null").is_char_device() and list(tmp_path.iterdir()) == []


def test_each_benchmark_is_a_script_run_from_anywhere(tmp_path):
    for module, args, code in (("polsim.benchmarks.sweep", ["--help"], 0), ("polsim.benchmarks.ui_fps", ["--help"], 0),
                               ("polsim.benchmarks.sweep", ["--nope"], 2)):
        done = subprocess.run([sys.executable, "-m", module, *args], cwd=tmp_path, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == code, (module, done.stderr)
        assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_bench_table_prints_the_replay_row():
    row = {"days": 7, "simulated_s": 33.1, "replay_s": 38.7, "incidents": 346, "replayed_incidents": 346,
           "speedup": 0.86, "month_days": 30.0, "month_incidents": 1498, "month_peak_rss_mib": [358.1, 358.2],
           "month_growth_mib_per_day": 0.0, "month_live_objects": 0}
    text = format_table({"quick": False, "cpus": 2, "load_before": 1.0, "load_after": 1.0, "replay": row})
    assert "replay (default scenario, 7 days, 346 incidents)" in text and "30-day replay of 1498 calls" in text


@pytest.mark.parametrize("scenario", ["default", "citywide"])
def test_the_optimise_benchmarks_study_is_a_valid_spec_on_each_scenario(tmp_path, scenario):
    """The benchmark's study loads as a user's would (its module imports what it runs)."""
    from polsim.benchmarks.optimise_bench import study_spec
    from polsim.experiments.optimise.checks import load_optimise

    spec = load_optimise(study_spec(tmp_path, 1.0, 2, 4, scenario, (1, 1, 2)))
    assert str(spec.scenario).endswith(f"{scenario}.toml") and spec.generations == 2 and spec.population == 4
