"""One description of a run (:class:`polsim.runs.Run`), the function that executes it, and Numba's threads."""

from __future__ import annotations

import pickle

import numba
import numpy as np

from polsim.engine.threads import numba_threads
from polsim.experiments.compare import CompareSettings, crossed_arms
from polsim.experiments.sweep.plan import Plan, make_plan
from polsim.experiments.sweep.spec import load_sweep
from polsim.runs import Run, execute
from tests.conftest import SMALL


def test_a_run_without_maps_is_the_same_run():
    with_maps = execute(Run("default", "hotspot", 5, dict(SMALL)))
    without = execute(Run("default", "hotspot", 5, dict(SMALL), keep_maps=False))
    assert with_maps.summary == without.summary
    np.testing.assert_array_equal(with_maps.response_times, without.response_times)
    assert without.crimes is None and without.treated_share is None and without.passable is None
    assert with_maps.crimes.sum() == with_maps.summary["crimes"]["total"]
    assert 0 < with_maps.treated_share.max() <= 1  # hotspot patrol treats cells
    assert with_maps.passable.shape == with_maps.treated_share.shape


def test_compare_and_sweeps_describe_their_runs_alike(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text('scenario = "default"\npolicies = ["random", "hotspot"]\nreplications = 2\nseed_base = 7\n'
                    'days = 0.5\n[parameters."offenders.count"]\nvalues = [300]\n')
    plan = make_plan(load_sweep(spec))
    settings = CompareSettings(tuple(crossed_arms([str(load_sweep(spec).scenario)], ["random", "hotspot"])),
                               replications=2, seed_base=7, overrides={"offenders.count": 300, "time.days": 0.5})
    swept = {(r.run.policy, r.run.seed): r.run for r in plan.runs}
    for run in settings.runs():
        assert swept[(run.policy, run.seed)] == Run(**{**vars(run), "keep_maps": False})
    # plan.json holds enough to rebuild every run, and a run crosses process boundaries as it is
    assert Plan.from_dict(plan.as_dict()).runs == plan.runs
    assert pickle.loads(pickle.dumps(plan.runs[0].run)) == plan.runs[0].run


def test_numba_threads_pins_the_count_inside_and_restores_it():
    before = numba.get_num_threads()
    with numba_threads(1):
        assert numba.get_num_threads() == 1
        with numba_threads(None):
            assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
