"""``polsim compare`` on the command line: arms, bad input refused before any run, no orphans after a kill."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from polsim.cli import UsageError, build_parser, main
from polsim.cli.compare import arms_from

BIN = Path(sys.executable).parent


@pytest.mark.parametrize(("args", "problem"), [
    (["--policies", "random,nosuch"], "unknown policy 'nosuch'"),
    (["--policies", "random,random"], "listed twice"),
    (["--replications", "0"], "--replications must be in [1, 1,000], got 0"),
    (["--replications", str(10**12)], "--replications must be in [1, 1,000]"),
    (["--treated-share", "0"], "--treated-share must be in (0, 1], got 0"),
    (["--treated-share", "nan"], "--treated-share must be a finite number in (0, 1], got nan"),
    (["--control-gap", "-1"], "--control-gap must be in [0, 1,000], got -1"),
    (["--control-gap", "inf"], "--control-gap must be a finite number in [0, 1,000], got inf"),
    (["--buffer-cells", "inf"], "--buffer-cells must be a finite number in [0, 1,000], got inf"),
    (["--buffer-cells", "nan"], "--buffer-cells must be a finite number"),
    (["--buffer-cells", "-2"], "--buffer-cells must be in [0, 1,000], got -2"),
    (["--buffer-cells", "1e300"], "--buffer-cells must be in [0, 1,000], got 1e+300"),
    (["--workers", "0"], "--workers must be in [1, "),
    (["--workers", str(10**9)], "--workers must be in [1, "),
    (["--seed-base", "-1"], "--seed-base must be in [0, "),
    (["--seed-base", str(2**64)], "--seed-base must be in [0, "),
    (["--steps", str(10**12)], "--steps must be in [1, 10,000,000]"),
    (["--set", "offenders.count=-5"], "offenders.count"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, args, problem):
    out = tmp_path / "never"
    started = time.perf_counter()
    assert main(["compare", "default", "--policies", "random", *args, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and problem in err, err
    assert not out.exists()
    assert time.perf_counter() - started < 30  # refused up front, not after the runs


@pytest.mark.parametrize("where", ["file", "under_file", "dev_null", "proc"])
def test_an_unusable_out_is_refused_before_anything_runs(tmp_path, capsys, where):
    a_file = tmp_path / "a_file"
    a_file.write_text("keep me")
    out = {"file": a_file, "under_file": a_file / "cmp", "dev_null": Path("/dev/null"),
           "proc": Path("/proc/polsim-compare")}[where]
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["compare", "default", "--policies", "random", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("polsim: error: --out: "), err
    assert sorted(p.name for p in tmp_path.iterdir()) == before and a_file.read_text() == "keep me"
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize(("scenario", "policies", "labels"), [
    ("default", "random,hotspot", ["random", "hotspot"]),
    ("default,b.toml", "random", ["default", "b.toml"]),
    ("default,b.toml", "random,hotspot", ["default/random", "default/hotspot", "b.toml/random", "b.toml/hotspot"]),
    ("before@random,after@hotspot", "random", ["before@random", "after@hotspot"]),
])
def test_arms_cross_scenarios_and_policies_or_pair_them(scenario, policies, labels):
    args = build_parser().parse_args(["compare", scenario, "--policies", policies, "--out", "x"])
    arms = arms_from(args)
    assert [a.label for a in arms] == labels
    assert all(a.label.endswith(a.policy) or a.label == a.scenario for a in arms)


def test_an_arm_needs_scenario_and_policy():
    with pytest.raises(UsageError, match="must be scenario@policy"):
        arms_from(build_parser().parse_args(["compare", "default@", "--out", "x"]))


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    """The processes still running (an orphan's zombie, waiting for init to reap it, is not running)."""
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _wait_for_progress(proc: subprocess.Popen, text: bytes, seconds: float) -> None:
    """Read the process's stderr (tqdm's bar) until ``text`` appears."""
    seen, deadline = b"", time.monotonic() + seconds
    while text not in seen:
        assert proc.poll() is None, f"compare ended before it could be killed: {seen[-300:]!r}"
        assert time.monotonic() < deadline, f"no progress: {seen[-300:]!r}"
        ready, _, _ = select.select([proc.stderr], [], [], 0.2)
        if ready:
            seen += os.read(proc.stderr.fileno(), 4096)


def test_sigkilled_compare_leaves_no_worker_or_resource_tracker(tmp_path):
    """Workers die within seconds of their parent, in the middle of a run; the resource tracker follows.

    (A worker still importing the engine when its parent dies exits as soon as the import is done.)
    """
    cmd = [BIN / "polsim", "compare", "default", "--policies", "random,hotspot", "--replications", "4",
           "--workers", "2", "--days", "4", "--out", tmp_path / "cmp"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    children: list[psutil.Process] = []
    try:
        _wait_for_progress(proc, b"| 1/8", 300)  # one run done: the workers are running, not starting
        children = psutil.Process(proc.pid).children(recursive=True)
        assert any("resource_tracker" in " ".join(p.cmdline()) for p in children)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 5
        while _alive(children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(children), [p.cmdline() for p in _alive(children)]
    finally:
        for p in _alive(children):
            os.kill(p.pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
