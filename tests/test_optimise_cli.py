"""``polsim optimise`` end to end on the real simulator and a Dask LocalCluster (a tiny budget).

The study runs, ``polsim report`` draws it, every Pareto point exports as a scenario file that
``polsim run`` and ``polsim compare`` take, and ``--resume`` refuses what it cannot continue.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from polsim.cli import main
from polsim.experiments.optimise.evaluate import read_rows
from tests.optimise_cases import line_study

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A finished two-objective study on the line city: 1 or 2 cars, which of 9 bases."""
    folder = tmp_path_factory.mktemp("optimise")
    spec = line_study(folder, objectives=["min response_time_min.mean", "min officer_hours"],
                      replications=1, final_replications=2, generations=2, population=4, days=0.1,
                      variables={"units": {"car": {"count": [1, 2], "staffed": [1, 2],
                                                   "base_cells": [[2, 5], [2, 20], [2, 35]]}}})
    out = folder / "study"
    assert main(["optimise", str(spec), "--out", str(out), "--workers", "2", "--no-progress"]) == 0
    return spec, out


def test_study_writes_its_runs_front_and_points(study):
    _, out = study
    front = json.loads((out / "front.json").read_text())
    rows = read_rows(out)
    assert set(rows["status"]) == {"ok"}
    assert not rows.duplicated(["candidate", "seed"]).any()  # the cache: nothing twice
    assert front["points"] and (out / "state.pkl").exists()
    for p in front["points"]:
        assert (out / "points" / f"point_{p['point']:02d}.toml").exists()
        assert p["metrics"]["response_time_min.mean"]["n"] == 2
    # the rows are real runs: dotted summary names, read back with pandas
    assert {"response_time_min.mean", "crimes.total", "wall_seconds"} <= set(rows.columns)
    assert isinstance(rows, pd.DataFrame) and (rows["wall_seconds"] > 0).all()


def test_report_draws_the_front(study, capsys):
    _, out = study
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "Pareto points" in html and "shipped" in html and "point_01.toml" in html
    for name in ("front.png", "parallel.png", "deployments.png", "progress.png"):
        assert (out / name).stat().st_size > 1000


def test_exported_point_runs_and_compares(study, tmp_path, capsys):
    spec, out = study
    exported = tmp_path / "best.toml"
    assert main(["optimise", "export", str(out), "--point", "1", "--out", str(exported)]) == 0
    text = exported.read_text()
    assert "--policy random" in text and "base_cells" in text
    assert main(["run", str(exported), "--policy", "random", "--steps", "30", "--out", str(tmp_path / "run"),
                 "--no-progress"]) == 0
    assert (tmp_path / "run" / "summary.json").exists()
    line = str(spec.parent / "line.toml")
    assert main(["compare", f"{line},{exported}", "--policies", "random", "--replications", "2",
                 "--steps", "30", "--workers", "1", "--out", str(tmp_path / "cmp"), "--no-progress"]) == 0
    assert (tmp_path / "cmp" / "report.html").exists()


def test_export_and_resume_refuse_bad_input(study, tmp_path, capsys):
    spec, out = study
    assert main(["optimise", "export", str(out), "--point", "99", "--out", str(tmp_path / "x.toml")]) == 2
    assert "--point: the front of" in capsys.readouterr().err
    assert main(["optimise", str(spec), "--out", str(tmp_path / "none"), "--resume"]) == 2
    assert "holds no study" in capsys.readouterr().err
    assert main(["optimise", str(spec), "--out", str(out)]) == 2
    assert "is not empty" in capsys.readouterr().err
    changed = line_study(tmp_path, generations=5)
    assert main(["optimise", str(changed), "--out", str(out), "--resume"]) == 2
    assert "no longer matches" in capsys.readouterr().err
