"""``polsim sweep`` on the command line: everything refused before anything is written, bounded plans,
an unreachable scheduler, a quiet interrupt."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from polsim.cli import main
from polsim.experiments.sweep import store
from polsim.experiments.sweep.estimate import Estimate, candidate_points, check_estimate, estimate
from polsim.experiments.sweep.spec import load_sweep
from polsim.scenario import SpecError

BIN = Path(sys.executable).parent

SPEC = """
scenario = "default"
replications = 2
steps = 30
[fixed]
"city.rows" = 30
"city.cols" = 30
[parameters."offenders.count"]
values = [100, 200]
"""


@pytest.fixture()
def spec(tmp_path) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(SPEC)
    return path


def sweep(capsys, *args: str) -> tuple[int, str]:
    """Run ``polsim sweep`` in this process; its exit code and stderr."""
    code = main(["sweep", *map(str, args), "--no-progress"])
    return code, capsys.readouterr().err


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("where", ["file", "under_file", "dev_null", "proc"])
def test_an_unusable_out_is_refused_and_nothing_is_written(tmp_path, capsys, spec, where):
    a_file = tmp_path / "a_file"
    a_file.write_text("keep me")
    out = {"file": a_file, "under_file": a_file / "sweep", "dev_null": Path("/dev/null"),
           "proc": Path("/proc/polsim-sweep")}[where]
    before = files_under(tmp_path)
    code, err = sweep(capsys, spec, "--out", out)
    assert code == 2 and err.count("\n") == 1 and err.startswith("polsim: error: --out: "), err
    assert files_under(tmp_path) == before and a_file.read_text() == "keep me"
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize(("args", "problem"), [
    (["--workers", "0"], "--workers must be in [1, "),
    (["--workers", str(10**9)], "--workers must be in [1, "),
    (["--max-runs", "0"], "--max-runs must be in [1, "),
    (["--max-hours", "nan"], "--max-hours must be a finite number in (0, "),
    (["--max-hours", "inf"], "--max-hours must be a finite number in (0, "),
    (["--max-hours", "0"], "--max-hours must be in (0, "),
    (["--workers", "1", "--scheduler", "tcp://127.0.0.1:9"], "--workers starts a local cluster"),
])
def test_bad_numbers_are_one_line_and_write_nothing(tmp_path, capsys, spec, args, problem):
    code, err = sweep(capsys, spec, "--out", tmp_path / "never", *args)
    assert code == 2 and err.count("\n") == 1 and problem in err, err
    assert not (tmp_path / "never").exists()


def test_a_folder_holding_a_sweep_says_how_to_resume_or_start_over(tmp_path, capsys, spec):
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "plan.json").write_text("{}")
    code, err = sweep(capsys, spec, "--out", out)
    assert code == 2 and err.count("\n") == 1
    assert "--resume" in err and "another --out" in err and f"removing {out}" in err
    code, err = sweep(capsys, spec, "--out", tmp_path / "empty", "--resume")
    assert code == 2 and "holds no sweep" in err and "leave --resume out" in err
    assert not (tmp_path / "empty").exists()


def test_an_unreachable_scheduler_is_refused_in_seconds_before_anything_is_written(tmp_path, capsys, spec):
    out = tmp_path / "sweep"
    started = time.perf_counter()
    code, err = sweep(capsys, spec, "--out", out, "--scheduler", "tcp://127.0.0.1:9")
    assert time.perf_counter() - started < 10  # not the client's 20 s timeout
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("polsim: error: --scheduler: no Dask scheduler answers at tcp://127.0.0.1:9"), err
    assert not out.exists()
    # a plain rerun is not refused for a folder the failed call left behind: it left none
    code, err = sweep(capsys, spec, "--out", out, "--scheduler", "not an address")
    assert code == 2 and "is not a scheduler address" in err and not out.exists()


def test_resuming_on_an_unreachable_scheduler_keeps_the_sweep_and_says_so(tmp_path, capsys, spec):
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    capsys.readouterr()
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    code, err = sweep(capsys, spec, "--out", out, "--resume", "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2 and err.count("\n") == 1 and "is kept: rerun with --resume" in err, err
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


@pytest.mark.parametrize(("text", "field", "runs"), [
    ('replications = 1000000000\n[parameters."offenders.count"]\nvalues = [100, 200]\n',
     "replications", "2,000,000,000 runs (2 points x 1 policy x 1,000,000,000 replications)"),
    ("".join(f'[parameters."{p}"]\nvalues = [{", ".join(str(v) for v in range(1, 31))}]\n'
             for p in ("offenders.count", "units.patrol_car.count", "units.motorcycle_squad.count",
                       "units.community_officer.count", "units.fixed_post.count", "guardians.volunteers")),
     "parameters", "729,000,000 runs (729,000,000 points x 1 policy x 1 replication)"),
    ('[design]\nmethod = "sobol"\npoints = 1099511627776\n[parameters."offenders.count"]\nlow = 1\nhigh = 9\n',
     "parameters", "1,099,511,627,776 runs"),
])
def test_a_plan_too_big_is_refused_at_once_without_growing_memory(tmp_path, text, field, runs):
    path = tmp_path / "big.toml"
    path.write_text('scenario = "default"\n' + text)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(SpecError) as refused:
            load_sweep(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 5 and peak < 20 * 2**20
    message = str(refused.value)
    assert message.startswith(f"{path}: {field}: the plan would hold {runs}"), message
    assert "above the limit of 100,000" in message and "--max-runs" in message


def test_max_runs_raises_the_limit(tmp_path, capsys, spec):
    assert load_sweep(spec, max_runs=4).run_count == 4
    with pytest.raises(SpecError, match="above the limit of 3;"):
        load_sweep(spec, max_runs=3)
    code, err = sweep(capsys, spec, "--out", tmp_path / "never", "--max-runs", "3")
    assert code == 2 and "--max-runs" in err and not (tmp_path / "never").exists()


def test_the_estimate_counts_the_largest_point_and_refuses_a_sweep_too_long(tmp_path, capsys, spec):
    text = SPEC.replace("values = [100, 200]", "values = [100, 2000]")
    path = tmp_path / "sizes.toml"
    path.write_text(text)
    s = load_sweep(path)
    assert candidate_points(s) == [{}, {"offenders.count": 2000}]
    est = estimate(s)
    assert est.runs == 4 and est.steps == 30 and est.cells == 900 and est.agents > 2000
    assert est.worker_hours == pytest.approx(4 * est.run_seconds / 3600)
    check_estimate(est, 1.0, "x.toml")  # well under an hour
    long = Estimate(runs=10_000, steps=10**6, agents=1000, cells=2500)
    with pytest.raises(ValueError, match=r"x.toml: the sweep would take about .* worker-hours .* above the limit"):
        check_estimate(long, 100.0, "x.toml")
    (tmp_path / "year.toml").write_text(SPEC.replace("steps = 30", "steps = 525600").replace("replications = 2",
                                                                                          "replications = 5000"))
    code, err = sweep(capsys, tmp_path / "year.toml", "--out", tmp_path / "never")
    assert code == 2 and err.count("\n") == 1 and "--max-hours" in err and not (tmp_path / "never").exists()


def test_an_interrupted_sweep_stops_quietly_and_keeps_its_parts(tmp_path, spec):
    """Ctrl-C tears the LocalCluster down with runs in flight: one line, no Dask traceback."""
    spec.write_text(SPEC.replace("steps = 30", "steps = 4000").replace("replications = 2", "replications = 6"))
    out = tmp_path / "sweep"
    proc = subprocess.Popen([BIN / "polsim", "sweep", spec, "--out", out, "--workers", "2", "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not store.finished_ids(out):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no run finished"
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err == "polsim: interrupted\n", err
    assert len(store.finished_ids(out)) >= 1 and not list((out / store.PARTS).glob(".*"))


def test_a_damaged_plan_is_one_line_for_report_and_resume(tmp_path, capsys, spec):
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "plan.json").write_text('{"spec": {}}')
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a sweep plan written by polsim sweep" in err, err
    code, err = sweep(capsys, spec, "--out", out, "--resume")
    assert code == 2 and err.count("\n") == 1 and "--resume: " in err and "is not a sweep plan" in err, err
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "not a sweep or optimisation folder" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["plan.json"]
