"""A real ``polsim sweep`` process SIGKILLed mid-way resumes: every run once, nothing finished rerun."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from polsim.experiments.sweep import store
from polsim.experiments.sweep.plan import read_plan

BIN = Path(sys.executable).parent

SPEC = """
scenario = "default"
policies = ["random"]
replications = 5
steps = 120
[fixed]
"city.rows" = 30
"city.cols" = 30
"time.start_hour" = 10
[parameters."offenders.count"]
values = [100, 200]
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigkilled_sweep_resumes_without_losing_or_repeating_runs(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "sweep"
    cmd = [BIN / "polsim", "sweep", spec, "--out", out, "--workers", "1", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while len(store.finished_ids(out)) < 3:
        assert first.poll() is None, first.stderr.read().decode()
        assert time.monotonic() < deadline, "no part files appeared"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    first.stderr.close()
    before = {p.name: p.stat().st_mtime_ns for p in (out / store.PARTS).glob("*.parquet")}
    total = len(read_plan(out).runs)
    assert 3 <= len(before) < total, "the sweep must be killed part-way"
    killed_rows = store.load_rows(out)
    done = subprocess.run([*cmd, "--resume"], env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    # the LocalCluster started and closed without a word on stderr (no CommClosedError traceback)
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr
    assert f"{total - len(before)} runs now, {len(before)} done before" in done.stdout
    rows = store.load_rows(out)
    assert sorted(rows["run_id"]) == sorted(r.run_id for r in read_plan(out).runs)  # each exactly once
    assert (rows["status"] == "ok").all()
    after = {p.name: p.stat().st_mtime_ns for p in (out / store.PARTS).glob("*.parquet")}
    assert {k: after[k] for k in before} == before  # finished runs were not run (or written) again
    resumed = rows[~rows["run_id"].isin(killed_rows["run_id"])]
    assert not set(resumed["pid"]) & set(killed_rows["pid"])
    # the killed sweep's worker went with it (Dask workers exit when their parent dies)
    time.sleep(2)
    assert not any(_alive(int(pid)) for pid in killed_rows["pid"].unique())
    assert not list((out / store.PARTS).glob(".*"))
