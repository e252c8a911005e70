"""Where results go and what a kill leaves: --out checked before the run, a safe folder from the
scenario's name, and ``summary.json`` written last so that a folder holding it is a finished run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from polsim.cli import main
from polsim.files import write_atomically
from polsim.output import RUN_FILES, SUMMARY, folder_name, is_complete, write_run

ROOT = Path(__file__).resolve().parents[1]
QUICK = ["--steps", "5", "--no-progress"]


def test_results_are_written_summary_last_and_a_failure_leaves_no_summary(tmp_path, small, monkeypatch):
    model = small()
    model.run(steps=5)
    out = tmp_path / "run"
    write_run(model, out, {})
    assert is_complete(out) and {p.name for p in out.iterdir()} == set(RUN_FILES)
    order = sorted(RUN_FILES, key=lambda name: (out / name).stat().st_mtime_ns)
    assert order[-1] == SUMMARY

    import polsim.output as output

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.np, "savez_compressed", fail)
    with pytest.raises(OSError):
        write_run(model, out, {})  # over the finished run: its old summary goes first
    assert not is_complete(out) and not (out / SUMMARY).exists()


KILLED_WHILE_WRITING = """
import os, signal, sys
import polsim.output as output
from polsim import PolicingModel
model = PolicingModel("default", seed=1, overrides={"city.rows": 20, "city.cols": 20})
model.run(steps=5)
output.np.savez_compressed = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
output.write_run(model, output.Path(sys.argv[1]), {})
"""


def test_a_run_killed_while_writing_leaves_a_folder_that_does_not_look_finished(tmp_path):
    out = tmp_path / "killed"
    done = subprocess.run([sys.executable, "-c", KILLED_WHILE_WRITING, str(out)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    assert (out / "incidents.parquet").exists()  # the kill came after the incidents, in the crime map
    assert not (out / SUMMARY).exists() and not is_complete(out)


@pytest.mark.parametrize(("out", "words"), [
    ("{tmp}/afile", "exists and is not a folder"),
    ("{tmp}/afile/sub", "is a file, not a folder"),
    ("/dev/null", "a system folder"),
    ("/dev/null/x", "a system folder"),
    ("/proc/polsim-out", "a system folder"),
    ("", "must not be empty"),
])
def test_a_bad_out_is_refused_before_anything_is_simulated(tmp_path, capsys, monkeypatch, out, words):
    (tmp_path / "afile").write_text("x")
    import polsim.cli.run as run

    def no_model(*args, **kwargs):
        raise AssertionError("the model was built before --out was checked")

    monkeypatch.setattr(run, "PolicingModel", no_model)
    code = main(["run", "default", "--out", out.format(tmp=tmp_path), *QUICK])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.splitlines() == [err] and words in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


@pytest.mark.parametrize("name", ["/tmp/x/evil", "../../escape2/evil", "..", "a/../../b", "-rf", ".hidden"])
def test_a_scenario_name_is_a_label_never_a_path(tmp_path, capsys, monkeypatch, name):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    scenario = work / "s.toml"
    scenario.write_text(f"name = {json.dumps(name)}\n[city]\nrows = 20\ncols = 20\n")
    assert main(["run", str(scenario), *QUICK]) == 0, capsys.readouterr().err
    made = list((work / "runs").iterdir())
    assert len(made) == 1 and made[0].name == folder_name(name, "random", "s1") and is_complete(made[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]  # nothing climbed out
    assert not Path("/tmp/x/evil").exists()


def test_folder_names_are_safe():
    for name in ("/tmp/x/evil", "../../escape", "..", ".", "", "a\x00b", "x" * 500, "名字"):
        safe = folder_name(name, "pkg.mod:Cls+cordon", "s1")
        assert "/" not in safe and "\x00" not in safe and not safe.startswith((".", "-"))
        assert 0 < len(safe) <= 100 and safe not in (".", "..")
    assert folder_name("default", "random", "s1") == "default-random-s1"  # the name runs always had


def test_same_seed_same_summary_through_the_new_writer(tmp_path):
    for name in ("a", "b"):
        assert main(["run", "default", "--seed", "3", "--steps", "60", "--no-progress",
                     "--out", str(tmp_path / name)]) == 0
    assert (tmp_path / "a" / SUMMARY).read_bytes() == (tmp_path / "b" / SUMMARY).read_bytes()


def test_polsim_output_piped_into_head_ends_quietly(tmp_path):
    done = subprocess.run(f"{sys.executable} -m polsim scenarios | head -1", shell=True, capture_output=True,
                          text=True, cwd=tmp_path, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.count("\n") == 1 and "Traceback" not in done.stderr and "Error" not in done.stderr


def test_an_interrupted_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "part.parquet"
    path.write_text("old")

    def interrupted(p):
        p.write_text("half")
        raise KeyboardInterrupt  # Ctrl-C between writing and renaming

    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, interrupted)
    assert path.read_text() == "old" and sorted(x.name for x in tmp_path.iterdir()) == ["part.parquet"]
