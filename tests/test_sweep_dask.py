"""Sweeps on real Dask clusters: a 2-worker LocalCluster, and a scheduler and worker started apart.

Also: a failing run is recorded and does not stop the sweep, warm-up happens once per worker,
a row equals ``polsim run`` with the same parameters and seed, and the report reads it all back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from polsim.cli import main
from polsim.experiments.sweep import store
from polsim.experiments.sweep.plan import make_plan, write_plan
from polsim.experiments.sweep.runner import dask_client, run_plan
from polsim.experiments.sweep.spec import load_sweep
from polsim.measures.vocabulary import flatten

BIN = Path(sys.executable).parent
STEPS = 60

SPEC = f"""
name = "dask-test"
scenario = "default"
policies = ["random", "tests.sweep_policies:FailsOnSeed2"]
baseline = "random"
replications = 2
steps = {STEPS}
metrics = ["crimes.total", "visibility"]
[fixed]
"city.rows" = 30
"city.cols" = 30
"field.a0_per_min" = 8e-4
"time.start_hour" = 10
[parameters."offenders.count"]
values = [150, 300]
"""


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory):
    """The spec above run on a 2-worker LocalCluster; returns (folder, plan, warm-ups, runs per worker)."""
    tmp = tmp_path_factory.mktemp("local")
    spec_file = tmp / "spec.toml"
    spec_file.write_text(SPEC)
    plan = make_plan(load_sweep(spec_file))
    out = tmp / "sweep"
    write_plan(out, plan)
    with dask_client(workers=2) as client:
        result = run_plan(plan, out, client, progress=False)
        warm_ups = client.run(lambda: __import__("polsim.experiments.sweep.task").experiments.sweep.task.WARM_UPS)
        runs = client.run(lambda: __import__("polsim.experiments.sweep.task").experiments.sweep.task.RUNS)
    return out, plan, result, warm_ups, runs


def test_local_cluster_runs_every_run_once_and_records_failures(local_sweep):
    out, plan, result, warm_ups, runs = local_sweep
    rows = store.load_rows(out)
    assert sorted(rows["run_id"]) == sorted(r.run_id for r in plan.runs)
    assert len(warm_ups) == 2 and set(warm_ups.values()) == {1}  # kernels loaded once per worker
    assert sum(runs.values()) == len(plan.runs)
    failed = rows[rows["status"] == "failed"]
    # the failing policy refuses seed 2: its two runs at seed 2 fail, everything else finishes
    assert sorted(zip(failed["policy"], failed["seed"], strict=True)) == [("tests.sweep_policies:FailsOnSeed2", 2)] * 2
    assert failed["error"].str.contains("RuntimeError: this policy refuses seed 2").all()
    assert result.failed == 2 and result.ran == len(plan.runs)
    ok = rows[rows["status"] == "ok"]
    assert (ok["steps"] == STEPS).all() and ok["crimes.total"].notna().all()
    for _, r in ok.iterrows():
        run = next(x for x in plan.runs if x.run_id == r["run_id"])
        assert (r["seed"], r["policy"], r["offenders.count"]) == (run.seed, run.policy, run.params["offenders.count"])


def test_row_equals_polsim_run(local_sweep, tmp_path, capsys):
    out, plan, *_ = local_sweep
    rows = store.load_rows(out).set_index("run_id")
    run = next(r for r in plan.runs if r.policy == "random" and r.seed == 2 and r.point == 1)
    target = tmp_path / "single"
    assert main(["run", "default", "--policy", "random", "--seed", "2", "--steps", str(STEPS), "--set",
                 "city.rows=30", "--set", "city.cols=30", "--set", "offenders.count=300", "--set",
                 "field.a0_per_min=8e-4", "--set", "time.start_hour=10",
                 "--out", str(target), "--no-progress"]) == 0
    capsys.readouterr()
    summary = flatten(json.loads((target / "summary.json").read_text()))
    row = rows.loc[run.run_id]
    assert summary["crimes.total"] > 0
    for key, value in summary.items():
        if key in ("policy", "seed"):
            continue
        if value is None:
            assert pd.isna(row[key]), key
        else:
            assert row[key] == value, key


def test_report_tables_match_the_rows(local_sweep, capsys):
    out, plan, *_ = local_sweep
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "refuses seed 2" in html and "2 failed" in html
    for name in ("metric_crimes_total.png", "metric_visibility.png"):
        assert (out / name).stat().st_size > 1000 and name in html
    summary = pd.read_csv(out / "summary.csv")
    rows = store.load_rows(out)
    ok = rows[(rows["status"] == "ok") & (rows["policy"] == "random") & (rows["offenders.count"] == 300)]
    x = ok["crimes.total"].to_numpy(float)
    line = summary[(summary["metric"] == "crimes.total") & (summary["policy"] == "random")
                   & (summary["offenders.count"] == 300)].iloc[0]
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    assert line["n"] == 2 and line["mean"] == pytest.approx(x.mean())
    if half > 0:
        assert line["ci_high"] - line["mean"] == pytest.approx(half)
    # FailsOnSeed2 is random patrol on seed 1: common random numbers make the paired difference 0
    diffs = pd.read_csv(out / "differences.csv")
    assert len(diffs) == 2 * 2 and (diffs["n"] == 1).all()
    assert (diffs.loc[diffs["metric"] == "crimes.total", "mean"] == 0).all()
    assert "minus random at the same point, paired by seed" in html


def _wait_for(path: Path, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text()
        time.sleep(0.2)
    raise TimeoutError(f"{path} did not appear")


def test_sweep_on_a_separately_started_scheduler_and_worker(tmp_path):
    spec_file = tmp_path / "spec.toml"
    spec_file.write_text(SPEC.replace('"random", "tests.sweep_policies:FailsOnSeed2"', '"random"')
                         .replace("replications = 2", "replications = 1"))
    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    procs = [subprocess.Popen([BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", sched_file], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)]
    try:
        address = json.loads(_wait_for(sched_file, 60))["address"]
        assert address.startswith("tcp://127.0.0.1:")
        procs.append(subprocess.Popen([BIN / "dask", "worker", address, "--nworkers", "1", "--nthreads", "1",
                                       "--no-dashboard", "--host", "127.0.0.1"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        out = tmp_path / "sweep"
        done = subprocess.run([BIN / "polsim", "sweep", spec_file, "--out", out, "--scheduler", address,
                               "--no-progress"], env=env, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr
        rows = store.load_rows(out)
        assert sorted(rows["offenders.count"]) == [150, 300] and (rows["status"] == "ok").all()
        assert rows["pid"].nunique() == 1 and int(rows["pid"].iloc[0]) not in (os.getpid(),)
    finally:
        for p in reversed(procs):
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
