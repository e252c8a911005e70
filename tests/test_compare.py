"""polsim compare end to end: tables against the runs, displacement, figures, report, CRN."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import stats

from polsim.experiments.compare.runs import run_all
from polsim.measures.treated_areas import buffer_ring
from polsim.policies import Policy
from polsim.runs import Run
from tests.conftest import SMALL, small_model


class CentreBlock(Policy):
    """Every idle unit patrols a 6 x 6 block in the middle of the city, and says so."""

    name = "centre_block"

    def setup(self, model) -> None:
        super().setup(model)
        rows, cols = model.city.rows, model.city.cols
        mask = np.zeros((rows, cols), bool)
        mask[rows // 2 - 3:rows // 2 + 3, cols // 2 - 3:cols // 2 + 3] = True
        self.mask = mask & model.city.passable
        self.cells = np.flatnonzero(self.mask)

    def patrol_targets(self, model, units, u):
        pick = np.minimum((u * len(self.cells)).astype(np.int64), len(self.cells) - 1)
        flat = self.cells[pick]
        return flat // model.city.cols, flat % model.city.cols

    def treated_cells(self, model) -> np.ndarray:
        return self.mask.copy()


CENTRE = f"{__name__}:CentreBlock"


POLSIM = [sys.executable, "-m", "sim"]
SETS = [a for k, v in SMALL.items() if k != "time.days" for a in ("--set", f"{k}={v}")]
SHORT = [*SETS, "--days", str(SMALL["time.days"]), "--no-progress"]
ARGS = ["default", "--policies", f"random,{CENTRE}", "--replications", "2", "--seed-base", "3",
        "--buffer-cells", "3", *SHORT]


def polsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*POLSIM, *args], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).parent.parent)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """One real comparison: random vs the centre block, 2 seeds, 2 worker processes."""
    out = tmp_path_factory.mktemp("compare")
    done = polsim("compare", *ARGS, "--workers", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out, json.loads((out / "compare.json").read_text())


def t_ci(xs):
    """The 95% t-interval, computed here from scratch."""
    x = np.asarray(xs, float)
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return x.mean(), x.mean() - half, x.mean() + half


def test_intervals_and_paired_differences_match_the_runs(compared):
    out, result = compared
    runs = result["runs"]
    assert [s["seed"] for s in runs["random"]] == [3, 4] == [s["seed"] for s in runs[CENTRE]]
    rows = {(r["policy"], r["metric"]): r for r in csv.DictReader((out / "compare.csv").open())}
    base = [s["response_time_min"]["mean"] for s in runs["random"]]
    other = [s["response_time_min"]["mean"] for s in runs[CENTRE]]
    for policy, xs in (("random", base), (CENTRE, other)):
        want = t_ci(xs)
        got = result["metrics"][policy]["response_time_min.mean"]
        assert (got["mean"], got["ci_low"], got["ci_high"]) == pytest.approx(want)
        row = rows[(policy, "response_time_min.mean")]
        assert (float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])) == pytest.approx(want)
    diff = result["metrics"][CENTRE]["response_time_min.mean"]["diff"]
    assert (diff["mean"], diff["ci_low"], diff["ci_high"]) == pytest.approx(t_ci(np.subtract(other, base)))
    pct = float(rows[(CENTRE, "response_time_min.mean")]["diff_pct"])
    assert pct == pytest.approx(100 * (np.mean(other) / np.mean(base) - 1))
    assert rows[("random", "response_time_min.mean")]["diff_mean"] == ""
    robbery = [s["crimes"]["by_type"]["robbery"] for s in runs[CENTRE]]
    assert result["metrics"][CENTRE]["crimes.by_type.robbery"]["mean"] == pytest.approx(np.mean(robbery))
    for metric in ("response_time_min.within_1", "response_time_min.within_3", "response_time_min.within_5",
                   "response_time_min.p90", "crimes.total", "arrests", "time_to_capture_min.mean", "utilisation",
                   "visibility", "disputes_escalated"):
        assert (CENTRE, metric) in rows


def test_displacement_counts_match_a_direct_computation(compared):
    out, result = compared
    rows = [r for r in csv.DictReader((out / "displacement.csv").open()) if r["seed"] == "3"]
    assert len(rows) == 1
    base = small_model(seed=3)
    base.run()
    treated = small_model(seed=3, policy=CENTRE)
    treated.run()
    mask = treated.policy.mask
    ring = buffer_ring(mask, 3, within=base.city.passable)
    control = base.city.passable & ~mask & ~ring
    before, after = base.metrics.crimes_by_cell.sum(0), treated.metrics.crimes_by_cell.sum(0)
    counts = [before[mask].sum(), after[mask].sum(), before[ring].sum(), after[ring].sum(),
              before[control].sum(), after[control].sum()]
    row = rows[0]
    assert [float(row[k]) for k in ("a_before", "a_after", "b_before", "b_after", "c_before", "c_after")] == counts
    assert int(row["treated_cells"]) == mask.sum()
    a_b, a_a, b_b, b_a, c_b, c_a = counts
    assert float(row["wdq"]) == pytest.approx((b_a / c_a - b_b / c_b) / (a_a / c_a - a_b / c_b))
    pooled = result["displacement"][CENTRE]
    assert pooled["verdict"] in ("displacement", "diffusion of benefits", "neither")
    assert len(pooled["per_seed"]) == 2
    keys = ("a_before", "a_after", "b_before", "b_after", "c_before", "c_after")
    for key in keys:  # the crime types partition the crimes, so their counts add up
        assert sum(t["pooled"][key] for t in pooled["by_type"].values()) == pooled["pooled"][key]
        assert pooled["pooled"][key] == sum(e[key] for e in pooled["per_seed"])
    robbery = [r for r in csv.DictReader((out / "displacement.csv").open()) if r["crime_type"] == "robbery"]
    assert len(robbery) == 1 and robbery[0]["seed"] == "pooled"


def test_baseline_runs_equal_polsim_run_with_the_same_seed(compared, tmp_path):
    _, result = compared
    done = polsim("run", "default", "--seed", "4", "--out", str(tmp_path / "run"), *SHORT)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "run" / "summary.json").read_text()) == result["runs"]["random"][1]


def test_in_process_runs_equal_the_spawned_ones(compared):
    _, result = compared
    (run,) = run_all([Run("default", CENTRE, 3, dict(SMALL))], workers=1, progress=False)
    assert run.summary == result["runs"][CENTRE][0]
    assert run.treated_share.max() == 1.0  # the block is treated in every hourly sample


def test_figures_exist_are_not_blank_and_the_report_links_them(compared):
    out, result = compared
    report = (out / "report.html").read_text()
    for name in ("response_cdf.png", "crime_maps.png", "difference_maps.png", "crimes_by_type.png"):
        img = plt.imread(out / name)
        assert img.shape[0] > 200 and img.shape[1] > 200
        ink = (img[..., :3] < 0.9).any(axis=2).mean()
        assert 0.02 < ink < 0.9, f"{name} looks blank ({ink:.1%} drawn)"
        assert f'src="{name}"' in report
    assert result["displacement"][CENTRE]["verdict"] in report
    assert "response time, mean (min)" in report


def test_scenarios_compare_as_arms_on_common_random_numbers(tmp_path):
    text = (Path(__file__).parent.parent / "scenarios" / "default.toml").read_text()
    assert "[units.patrol_car]\ncount = 10" in text
    more = tmp_path / "more_patrol.toml"
    more.write_text(text.replace("[units.patrol_car]\ncount = 10", "[units.patrol_car]\ncount = 30"))
    out = tmp_path / "cmp"
    scenarios = f"default,scenarios/default.toml,{more}"
    done = polsim("compare", scenarios, "--policies", "random", "--replications", "2",
                  "--workers", "1", "--out", str(out), *SETS, "--days", "0.1", "--no-progress")
    assert done.returncode == 0, done.stderr
    result = json.loads((out / "compare.json").read_text())
    assert [a["label"] for a in result["settings"]["arms"]] == scenarios.split(",")
    same = result["metrics"]["scenarios/default.toml"]
    # the same scenario by another name: identical runs, so every paired difference is exactly 0
    assert result["runs"]["scenarios/default.toml"] == result["runs"]["default"]
    assert same["crimes.total"]["diff"] == {"mean": 0.0, "ci_low": 0.0, "ci_high": 0.0, "n": 2, "pct": 0.0}
    calls = [s["response_time_min"]["calls"] for s in result["runs"][str(more)]]
    assert result["metrics"][str(more)]["response_time_min.calls"]["mean"] == np.mean(calls)
    assert result["runs"][str(more)] != result["runs"]["default"]
    assert result["displacement"][str(more)]["verdict"] == "undefined"
    assert "treated no cells" in result["displacement"][str(more)]["reason"]
    assert (out / "difference_maps.png").exists()
