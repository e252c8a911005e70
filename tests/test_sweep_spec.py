"""Sweep specs and plans: validation with one-line errors, designs, common random numbers."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from polsim.cli import main
from polsim.experiments.sweep.design import grid_points, sample_points
from polsim.experiments.sweep.plan import make_plan
from polsim.experiments.sweep.spec import load_sweep
from polsim.scenario import SpecError

GRID = """
name = "t"
scenario = "default"
policies = ["random", "hotspot"]
replications = 3
seed_base = 10
steps = 5
[parameters."offenders.count"]
values = [100, 200]
[parameters."units.patrol_car.count"]
values = [2, 4, 6]
"""


def write(tmp_path, text: str, name: str = "spec.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_grid_plan_crosses_points_policies_and_shared_seeds(tmp_path):
    plan = make_plan(load_sweep(write(tmp_path, GRID)))
    assert len(plan.points) == 6 and len(plan.runs) == 6 * 2 * 3
    assert len({r.run_id for r in plan.runs}) == len(plan.runs)
    combos = {(r.point, r.policy, r.seed) for r in plan.runs}
    assert len(combos) == len(plan.runs)
    # common random numbers: every point and policy runs on the same seeds
    for k in range(6):
        for policy in ("random", "hotspot"):
            assert sorted(r.seed for r in plan.runs if r.point == k and r.policy == policy) == [10, 11, 12]
    # replication-major: the first 12 runs cover every point and policy once
    assert {(r.point, r.policy) for r in plan.runs[:12]} == {(k, p) for k in range(6) for p in ("random", "hotspot")}
    assert plan.points[1] == {"offenders.count": 100, "units.patrol_car.count": 4}


def test_grid_points_order():
    assert grid_points({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]


def test_latin_hypercube_one_point_per_stratum_and_seeded():
    n = 8
    pts = sample_points("lhs", {"x": (2.0, 6.0, False), "k": (1, 4, True)}, n, seed=3)
    x = np.array([p["x"] for p in pts])
    # a Latin hypercube puts exactly one point in each of the n equal slices of every range
    assert sorted(np.floor((x - 2.0) / 4.0 * n).astype(int)) == list(range(n))
    ks = [p["k"] for p in pts]
    assert all(isinstance(k, int) for k in ks) and sorted(set(ks)) == [1, 2, 3, 4]
    assert pts == sample_points("lhs", {"x": (2.0, 6.0, False), "k": (1, 4, True)}, n, seed=3)
    assert pts != sample_points("lhs", {"x": (2.0, 6.0, False), "k": (1, 4, True)}, n, seed=4)


def test_sobol_sample_in_range(tmp_path):
    spec = load_sweep(write(tmp_path, """
        scenario = "default"
        [design]
        method = "sobol"
        points = 8
        seed = 1
        [parameters."offenders.count"]
        low = 100
        high = 400
        integer = true
        [parameters."field.a0_per_min"]
        low = 1e-4
        high = 9e-4
        """))
    plan = make_plan(spec)
    counts = [p["offenders.count"] for p in plan.points]
    a0 = [p["field.a0_per_min"] for p in plan.points]
    assert len(plan.points) == 8 and all(100 <= c <= 400 and isinstance(c, int) for c in counts)
    assert all(1e-4 <= a <= 9e-4 for a in a0) and len(set(a0)) == 8


BAD = [
    ("polices = ['random']", "", "polices: unknown field"),
    ("", '[parameters."units.patrol_car.count"]\nvalues = [2, -1]',
     "parameters.units.patrol_car.count.values[1]: units.patrol_car.count: must be >= 0"),
    ("", '[parameters."units.patrol_car.cnt"]\nvalues = [2]', "parameters.units.patrol_car.cnt.values[0]"),
    ("policies = ['random', 'nosuch']", "", "policies[1]: unknown policy 'nosuch'"),
    ("baseline = 'hotspot'", "", "baseline: must be one of the policies (random)"),
    ("replications = 0", "", "replications: must be >= 1"),
    ("", '[design]\nmethod = "sobol"\npoints = 6\n[parameters."offenders.count"]\nlow = 1\nhigh = 9',
     "design.points: must be a power of 2"),
    ("", '[design]\nmethod = "lhs"\n[parameters."offenders.count"]\nvalues = [1, 2]',
     "parameters.offenders.count.values: a lhs design samples a range"),
    ("", '[parameters."offenders.count"]\nvalues = []', "parameters.offenders.count.values: must be a non-empty"),
    ("days = 1\nsteps = 3", "", "steps: give days or steps, not both"),
    ("metrics = ['crimes.total', 'response_time_min.mean_']", "",
     "metrics[1]: 'response_time_min.mean_' is not a number"),
    ("metrics = ['policy']", "", "metrics[0]: 'policy' is not a number in a run's summary"),
]


def test_metrics_may_name_counts_that_appear_as_the_run_goes(tmp_path):
    spec = load_sweep(write(tmp_path, 'scenario = "default"\n'
                            'metrics = ["detected_by.camera", "crimes.by_type.robbery"]\n'
                            '[parameters."offenders.count"]\nvalues = [100]\n'))
    assert spec.metrics == ["detected_by.camera", "crimes.by_type.robbery"]


@pytest.mark.parametrize(("top", "tables", "expected"), BAD)
def test_bad_spec_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, top, tables, expected):
    params = '[parameters."offenders.count"]\nvalues = [100]\n' if "[parameters" not in tables else ""
    path = tmp_path / "bad.toml"
    path.write_text(f'scenario = "default"\nsteps = 3\n{top}\n{params}{tables}\n'.replace("steps = 3\ndays", "days"))
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--out", str(out), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"polsim: error: {path}: ")
    assert expected in err
    assert not out.exists()


def test_spec_errors_name_the_file_and_field(tmp_path):
    with pytest.raises(SpecError) as info:
        load_sweep(write(tmp_path, 'scenario = "default"\n[parameters."time.days"]\nvalues = ["long"]\n'))
    assert info.value.file.endswith("spec.toml") and info.value.field == "parameters.time.days.values[0]"


def test_existing_sweep_needs_resume_and_an_unchanged_spec(tmp_path, capsys):
    path = write(tmp_path, GRID)
    out = tmp_path / "out"
    from polsim.experiments.sweep.plan import write_plan

    write_plan(out, make_plan(load_sweep(path)))
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    assert "already holds a sweep" in capsys.readouterr().err
    path.write_text(GRID.replace("replications = 3", "replications = 4"))
    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == 2
    assert "the spec changed" in capsys.readouterr().err
    assert main(["sweep", str(path), "--out", str(tmp_path / "none"), "--resume"]) == 2
    assert "holds no sweep" in capsys.readouterr().err


def test_sampled_heatmap_bins_hold_their_points(tmp_path):
    import pandas as pd

    from polsim.experiments.sweep.report import HEATMAP_BINS, _binned

    spec = load_sweep(write(tmp_path, """
        scenario = "default"
        [design]
        method = "lhs"
        points = 12
        [parameters."offenders.count"]
        low = 100
        high = 400
        integer = true
        [parameters."field.a0_per_min"]
        low = 2e-4
        high = 8e-4
        """))
    plan = make_plan(spec)
    df = pd.DataFrame(plan.points)
    binned = _binned(plan, df, plan.parameters)
    for p in plan.parameters:
        lo, hi = df[p].min(), df[p].max()
        width = (hi - lo) / HEATMAP_BINS
        assert binned[p].nunique() <= HEATMAP_BINS
        # every point sits within half a bin of its bin's midpoint
        assert ((binned[p] - df[p]).abs() <= width / 2 * 1.01).all()


def test_the_displacement_buffer_is_metres_on_every_points_city(tmp_path):
    """buffer_m is the same ground on 100 m and 50 m cells: 3 cells on one, 6 on the other."""
    import pandas as pd

    from polsim.experiments.sweep import store
    from polsim.experiments.sweep.analysis import displacement_table
    from polsim.measures.treated_areas import AreaRule

    plan = make_plan(load_sweep(write(tmp_path, """
        scenario = "default"
        policies = ["random", "hotspot"]
        baseline = "random"
        replications = 1
        steps = 5
        buffer_m = 300
        [parameters."city.cell_m"]
        values = [100, 50]
        """)))
    out = tmp_path / "sweep"
    passable = np.ones((31, 31), bool)
    share = np.zeros((31, 31))
    share[15, 15] = 1.0
    rows = []
    for r in plan.runs:
        cell_m = float(r.params["city.cell_m"])
        store.write_map(out, r.run_id, np.ones((1, 31, 31)), share if r.run.policy == "hotspot" else share * 0,
                        passable, cell_m)
        rows.append({"run_id": r.run_id, "point": r.point, "policy": r.run.policy, "seed": r.seed, "status": "ok"})
    table = displacement_table(plan, pd.DataFrame(rows), out).set_index("city.cell_m")
    treated = share > 0
    for cell_m, cells in ((100, 3), (50, 6)):
        ring = AreaRule(buffer_cells=cells).around(treated, passable).buffer
        assert table.loc[cell_m, "b_before"] == ring.sum()


def test_a_sweep_spec_in_cells_is_told_to_use_metres(tmp_path):
    with pytest.raises(SpecError, match="buffer_cells: replaced by buffer_m"):
        load_sweep(write(tmp_path, 'scenario = "default"\nbuffer_cells = 3\n'))
