"""The optimisation spec: validated before anything runs; a bad one is one line, exit 2, nothing written.

Also the decision space: what a candidate means (overrides, officer-hours, cost) and the staffing
repair.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polsim.cli import main
from polsim.experiments.optimise.checks import load_optimise
from polsim.experiments.optimise.space import Space, base_var, count_var, hours_var, start_var
from polsim.scenario import ScenarioError, SpecError
from polsim.scenario.loader import SCENARIO_DIR
from tests.optimise_cases import LINE_CELLS, line_study

STUDIES = SCENARIO_DIR.parent / "experiments" / "studies"

BAD = [
    ({"variables": {"units": {"helicopter": {"count": [1, 2]}}}},
     "variables.units.helicopter: unknown unit type; allowed: car, bike"),
    ({"variables": {"units": {"car": {"counts": [1, 2]}}}}, "variables.units.car.counts: unknown field"),
    ({"variables": {"units": {"car": {"count": [3, 1]}}}},
     "variables.units.car.count: empty bounds: low (3) > high (1)"),
    ({"variables": {"units": {"car": {"shift_hours": [8]}}}}, "variables.units.car.shift_hours: must be [low, high]"),
    ({"variables": {"units": {"car": {"base_cells": LINE_CELLS, "staffed": [1, 12]}}}},
     "variables.units.car.staffed: must lie within [1, 9]"),
    ({"variables": {"units": {"car": {"base_cells": [[0, 50]]}}}}, "variables.units.car.base_cells"),
    ({"objectives": ["max response_time_min.within_4"]}, "objectives[0]: 'response_time_min.within_4' is not a metric"),
    ({"objectives": ["best crimes.total"]}, "objectives[0]: must be 'max METRIC' or 'min METRIC'"),
    ({"objectives": []}, "objectives: must not be empty"),
    ({"objectives": ["min cost"]}, "objectives[0]: cost needs a cost table"),
    ({"constraints": ["officer_hours <= 10"]},
     "constraints[0]: infeasible from the start: officer_hours <= 10, but the least officer_hours"),
    ({"constraints": ["response_time_min.within_5 => 0.9"]}, "constraints[0]: must be 'METRIC <= NUMBER'"),
    ({"variables": {"policy": ["random", "teleport"]}}, "variables.policy[1]: unknown policy"),
    ({"variables": {"units": {"car": {"base_cells": LINE_CELLS[:1], "staffed": [1, 1]}}}},
     "variables: must vary at least one thing"),
    ({"variables": {"options": {"offenders.count": {"low": 1, "high": 5}}}},
     "variables.options.offenders.count: only numeric policy options"),
    ({"variables": {"options": {"policy.hotspots": {"low": 0, "high": 5, "integer": True}}}},
     "variables.options.policy.hotspots.low: policy.hotspots: must be >= 1"),
    ({"population": 1}, "population: must be >= 2"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_spec_is_one_line_exit_2_nothing_written(tmp_path, capsys, change, message):
    spec = line_study(tmp_path, **change)
    out = tmp_path / "study"
    assert main(["optimise", str(spec), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"polsim: error: {spec}: "), err
    assert message in err, err
    assert not out.exists()


def test_shipped_studies_load():
    for name in ("nantong_deployment.toml", "nanning_deployment.toml"):
        spec = load_optimise(STUDIES / name)
        assert Space(spec).vars


def test_a_candidate_means_its_overrides_and_its_officer_hours_and_cost(tmp_path):
    spec = load_optimise(line_study(tmp_path, objectives=["min response_time_min.mean", "min cost"],
                                    cost={"car": {"officer_hour": 10.0, "vehicle_day": 100.0},
                                          "bike": {"officer_hour": 20.0}},
                                    variables={"units": {
                                        "car": {"count": [1, 3], "base_cells": LINE_CELLS, "staffed": [1, 3],
                                                "shift_start": [6, 10], "shift_hours": [8, 24]},
                                        "bike": {"count": [0, 4]}}}))
    space = Space(spec)
    x = {count_var("car"): 3, start_var("car"): 8, hours_var("car"): 20, count_var("bike"): 2,
         **{base_var("car", i): i in (1, 4) for i in range(9)}}
    over = space.overrides(x)
    assert over["units.car.count"] == 3 and over["units.car.shift"] == [8, 28]
    assert over["units.car.base_cells"] == [LINE_CELLS[1], LINE_CELLS[4]]  # staffed, in the listed order
    assert over["units.bike.count"] == 2 and over["units.bike.shift"] == [0, 24]
    assert space.plan(x)["car"].per_base() == {(2, 5): 2, (2, 20): 1}  # round-robin, as the engine
    car_hours, bike_hours = 2 * 20 * 3, 4 * 24 * 2  # crew x hours on duty x units
    det = space.deterministic(x)
    assert det["officer_hours"] == car_hours + bike_hours
    assert det["cost"] == 10.0 * car_hours + 100.0 * 3 + 20.0 * bike_hours
    # the overrides make a valid scenario whose units are where the plan says
    from polsim.model import PolicingModel

    units = PolicingModel(spec.scenario, overrides=over, seed=1).units
    cars = [(int(r), int(c)) for r, c, t in zip(units.base_r, units.base_c, units.type_idx, strict=True) if t == 0]
    assert cars == [(2, 5), (2, 20), (2, 5)]


@pytest.fixture(scope="module")
def repair_space(tmp_path_factory) -> Space:
    """Up to 3 cars, 2 or 3 of the nine bases staffed."""
    return Space(load_optimise(line_study(tmp_path_factory.mktemp("repair"), variables={"units": {"car": {
        "count": [0, 3], "base_cells": LINE_CELLS, "staffed": [2, 3]}}})))


@settings(max_examples=60, deadline=None)
@given(count=st.integers(0, 3), bits=st.lists(st.booleans(), min_size=9, max_size=9), seed=st.integers(0, 999))
def test_repair_keeps_staffing_between_bounds_and_no_more_bases_than_units(repair_space, count, bits, seed):
    space = repair_space
    x = {count_var("car"): count, **{base_var("car", i): b for i, b in enumerate(bits)}}
    fixed = space.repair(x, np.random.default_rng(seed))
    staffed = len(space.staffed(fixed, "car"))
    n = fixed[count_var("car")]
    assert (staffed == 0) if n == 0 else (2 <= staffed <= min(3, n))
    assert n == (0 if count == 0 else max(count, 2))
    assert space.canonical(space.repair(fixed, np.random.default_rng(seed + 1))) == space.canonical(fixed)


def test_enumerate_counts_every_valid_deployment(tmp_path):
    # 1 car: 9 single bases; 2 or 3 cars: 9 single bases + 36 pairs each (staffed 1 or 2)
    space = Space(load_optimise(line_study(tmp_path, variables={"units": {"car": {
        "count": [1, 3], "base_cells": LINE_CELLS, "staffed": [1, 2]}}})))
    assert len(space.enumerate()) == 9 + 45 + 45


def test_spec_errors_name_the_file(tmp_path):
    with pytest.raises(SpecError, match=r"study\.toml: generations: must be >= 1"):
        load_optimise(line_study(tmp_path, generations=0))
    broken = tmp_path / "broken.toml"
    broken.write_text("objectives = [")
    with pytest.raises(SpecError, match="broken.toml: not valid TOML"):
        load_optimise(broken)
    assert not issubclass(SpecError, ScenarioError) and not issubclass(ScenarioError, SpecError)


def test_an_objective_owns_its_sense_and_label():
    """Parsed once: the sign the search minimises by, the way back, the best value and the label."""
    from polsim.experiments.optimise.spec import Objective

    up, down = Objective.parse("maximise response_time_min.within_3"), Objective.parse(" min  officer_hours ")
    assert (up.metric, up.label(), down.label()) == ("response_time_min.within_3", "max response_time_min.within_3",
                                                     "min officer_hours")
    assert (up.minimised(0.8), down.minimised(400.0), up.minimised(None)) == (-0.8, 400.0, 0.0)
    assert (up.natural(up.minimised(0.8)), down.natural(down.minimised(3.0))) == (0.8, 3.0)
    assert (up.best([0.2, 0.9, 0.5]), down.best([0.2, 0.9, 0.5])) == (0.9, 0.2)
    assert down.deterministic and not up.deterministic
    with pytest.raises(SpecError, match="s.toml: objectives\\[2\\]: must be 'max METRIC'"):
        Objective.parse("best crimes.total", "s.toml", "objectives[2]")
    spec = load_optimise(STUDIES / "nantong_deployment.toml")
    assert spec.parsed_objectives is spec.parsed_objectives  # not parsed again on each access
    assert spec.metrics[:len(spec.objectives)] == [o.metric for o in spec.parsed_objectives]
