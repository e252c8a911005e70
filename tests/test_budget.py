"""The estimate before allocating: it grows with what drives memory and time, it is close to what
a run measures, and a scenario that would not fit is refused (by ``run`` and ``validate`` alike)
with the one-line error and the estimate."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from polsim import PolicingModel
from polsim.cli import main
from polsim.scenario import ScenarioError, budget, load_spec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _estimate(**overrides):
    return budget.estimate(load_spec("default", overrides)[0])


def test_the_estimate_grows_with_cells_agents_incidents_and_steps():
    base = _estimate()
    for key, value in (("city.rows", 600), ("offenders.count", 100_000), ("guardians.volunteers", 100_000),
                       ("units.patrol_car.count", 5000), ("disputes.per_day", 5000.0), ("time.days", 300)):
        bigger = _estimate(**{key: value})
        assert bigger.peak_bytes > base.peak_bytes, key
        assert bigger.seconds > base.seconds, key
    assert _estimate(**{"time.step_minutes": 0.5}).steps == 2 * base.steps


def test_a_scenario_beyond_the_limit_is_refused_by_run_and_validate_alike(tmp_path, capsys):
    said = []
    for command in (["validate", "citywide"], ["run", "citywide", "--out", str(tmp_path / "o")]):
        assert main([*command, "--max-memory", "0.1"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.splitlines() == [err] and "the model would take about" in err and "--max-memory is 0.1 GiB" in err
        said.append(err)
    assert said[0] == said[1] and not (tmp_path / "o").exists()
    assert budget.LIMIT_ENV not in os.environ  # the option held for that command only
    assert main(["validate", "citywide", "--max-memory", "64"]) == 0
    assert "peak memory about" in capsys.readouterr().out


def test_the_model_itself_refuses_before_building(monkeypatch):
    monkeypatch.setenv(budget.LIMIT_ENV, "0.01")
    with pytest.raises(ScenarioError, match="the model would take about"):
        PolicingModel("default", overrides={"city.rows": 1000, "city.cols": 1000, "city.grid_cells": 10})


def test_the_limit_is_the_tightest_of_free_memory_and_the_address_space():
    code = ("import resource; from pathlib import Path; from polsim.scenario import budget\n"
            "mapped = next(int(l.split()[1]) * 1024 for l in Path('/proc/self/status').read_text().splitlines()"
            " if l.startswith('VmSize:'))\n"
            "resource.setrlimit(resource.RLIMIT_AS, (mapped + 300 * 2**20, resource.RLIM_INFINITY))\n"
            "print(*budget.limit_bytes(), sep='|')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": ROOT})
    limit, why = done.stdout.strip().split("|")
    assert 250 * 2**20 < int(limit) * budget.ADDRESS_SPACE_FACTOR <= 300 * 2**20 and "ulimit -v" in why


def test_a_cold_kernel_cache_is_noticed():
    from polsim import PolicingModel

    PolicingModel("default", seed=1).run(1)  # compiles (and caches) any kernel an edit made stale
    assert not budget.kernels_cold()
    code = "from polsim.scenario.budget import kernels_cold; print(kernels_cold())"
    with_empty_cache = {**os.environ, "PYTHONPATH": ROOT, "NUMBA_CACHE_DIR": "/nonexistent/polsim-empty-cache"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=with_empty_cache)
    assert done.stdout.strip() == "True", done.stderr[-1000:]


MEASURE = """
import json, sys
from pathlib import Path
from polsim import PolicingModel
from polsim.scenario import budget
PolicingModel("default").run(steps=2)  # imports and kernels, as a run has them
model = PolicingModel("default", overrides=json.loads(sys.argv[1]))
model.run(steps=3)
hwm = next(int(l.split()[1]) * 1024 for l in Path("/proc/self/status").read_text().splitlines()
           if l.startswith("VmHWM:"))
print(json.dumps({"peak": hwm, "estimate": budget.estimate(model.spec, 5).peak_bytes}))
"""


@pytest.mark.parametrize("overrides", [
    {"city.rows": 1200, "city.cols": 1200, "city.grid_cells": 10},
    pytest.param({"offenders.count": 1_500_000}, marks=pytest.mark.slow),
])
def test_the_estimate_is_within_a_third_of_the_measured_peak(overrides):
    """Resident memory after a few steps; the estimate counts what a long run touches too (the
    crimes-by-cell counts), so it may run a little above."""
    done = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(overrides)], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": ROOT})
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    ratio = figures["estimate"] / figures["peak"]
    assert 0.75 < ratio < 1.33, figures
