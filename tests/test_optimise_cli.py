"""``polsim optimise`` end to end on the real simulator and a Dask LocalCluster (a tiny budget).

The study runs, ``polsim report`` draws it, every Pareto point exports as a scenario file that
``polsim run`` and ``polsim compare`` take, and ``--resume`` and ``export`` refuse what they cannot
do. One test runs the study and everything after it, so the study runs once whatever the
test workers.
"""

from __future__ import annotations

import json

import pytest

from polsim.cli import main
from polsim.experiments.optimise.checks import load_optimise
from polsim.experiments.optimise.evaluate import read_rows
from polsim.experiments.optimise.study import run_study
from tests.optimise_cases import Synthetic, line_study

pytest.importorskip("distributed")


def test_study_report_export_run_and_compare(tmp_path, capsys):
    spec = line_study(tmp_path, objectives=["min response_time_min.mean", "min officer_hours"],
                      replications=1, final_replications=2, generations=2, population=4, days=0.1,
                      variables={"units": {"car": {"count": [1, 2], "staffed": [1, 2],
                                                   "base_cells": [[2, 5], [2, 20], [2, 35]]}}})
    out = tmp_path / "study"
    assert main(["optimise", str(spec), "--out", str(out), "--workers", "2", "--no-progress"]) == 0
    front = json.loads((out / "front.json").read_text())
    rows = read_rows(out)
    assert set(rows["status"]) == {"ok"} and (rows["wall_seconds"] > 0).all()
    assert not rows.duplicated(["candidate", "seed"]).any()  # the cache: nothing twice
    assert {"response_time_min.mean", "crimes.total"} <= set(rows.columns)  # dotted summary names
    assert front["points"] and (out / "state.json").exists() and not (out / "state.pkl").exists()
    for p in front["points"]:
        assert (out / "points" / f"point_{p['point']:02d}.toml").exists()
        assert p["metrics"]["response_time_min.mean"]["n"] == 2

    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "Pareto points" in html and "shipped" in html and "point_01.toml" in html
    for name in ("front.png", "parallel.png", "deployments.png", "progress.png"):
        assert (out / name).stat().st_size > 1000

    exported = tmp_path / "best.toml"
    assert main(["optimise", "export", str(out), "--point", "1", "--out", str(exported)]) == 0
    text = exported.read_text()
    assert 'name = "random"' in text and "base_cells" in text  # the point's policy is written in
    assert main(["run", str(exported), "--steps", "30", "--out", str(tmp_path / "run"), "--no-progress"]) == 0
    assert (tmp_path / "run" / "summary.json").exists()
    line = str(tmp_path / "line.toml")
    assert main(["compare", f"{line},{exported}", "--policies", "random", "--replications", "2",
                 "--steps", "30", "--workers", "1", "--out", str(tmp_path / "cmp"), "--no-progress"]) == 0
    assert (tmp_path / "cmp" / "report.html").exists()


def test_export_and_resume_refuse_bad_input(tmp_path, capsys):
    spec = line_study(tmp_path)
    out = tmp_path / "study"
    run_study(load_optimise(spec), out, Synthetic(), progress=False)  # a finished study (stand-in runs)
    assert main(["optimise", "export", str(out), "--point", "99", "--out", str(tmp_path / "x.toml")]) == 2
    assert "--point: the front of" in capsys.readouterr().err
    assert main(["optimise", "export", str(out), "--point", "1", "--out", str(tmp_path / "x.txt")]) == 2
    assert "ends in .toml" in capsys.readouterr().err
    assert main(["optimise", str(spec), "--out", str(tmp_path / "none"), "--resume"]) == 2
    assert "holds no study" in capsys.readouterr().err
    assert main(["optimise", str(spec), "--out", str(out), "--no-progress"]) == 2
    assert "is not empty" in capsys.readouterr().err
    changed = line_study(tmp_path, generations=5)
    assert main(["optimise", str(changed), "--out", str(out), "--resume"]) == 2
    assert "no longer matches" in capsys.readouterr().err
