"""mesa.batch_run drives PolicingModel unchanged, honours the seeds it is given, and returns
the run's outcomes so far (cumulative crimes by type, arrests, response time) in its rows."""

from __future__ import annotations

import math
import warnings

import mesa
import pandas as pd

from polsim import PolicingModel
from polsim.measures.vocabulary import flatten

STEP_SERIES = ["crimes_this_step", "units_busy", "calls_waiting", "offenders_fleeing"]
OVERRIDES = {"city.rows": 20, "city.cols": 20, "offenders.count": 80, "time.start_hour": 10,
             "field.a0_per_min": 3e-3}


def test_batch_run_over_seeds():
    # mesa 3.5 hands each run its ``rng``, which PolicingModel takes as its seed
    results = pd.DataFrame(mesa.batch_run(
        PolicingModel, parameters={"scenario": "default", "overrides": [OVERRIDES]}, rng=[1, 2],
        max_steps=90, data_collection_period=1, display_progress=False))
    assert sorted(results["rng"].unique()) == [1, 2] and set(STEP_SERIES) <= set(results)
    series = {}
    for seed, rows in results.groupby("rng"):
        direct = PolicingModel("default", seed=seed, overrides=OVERRIDES).run(steps=90)
        expected = direct.datacollector.get_model_vars_dataframe()[STEP_SERIES].reset_index(drop=True)
        got = rows.sort_values("Step")[STEP_SERIES].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
        series[seed] = got
    assert series[1]["crimes_this_step"].sum() > 5  # a real run to compare, not ninety zeros
    assert not series[1].equals(series[2])


def test_the_last_row_of_batch_run_is_the_runs_summary():
    """What a researcher asks batch_run for: the outcomes at the end, under summary.json's names."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the README's call, as written there, warns of nothing
        rows = mesa.batch_run(PolicingModel, parameters={"scenario": "default", "overrides": [OVERRIDES],
                                                         "policy": ["random", "hotspot"]},
                              rng=[3], max_steps=120, display_progress=False)
    assert len(rows) == 2  # data_collection_period=-1: one row per run, its last step
    for row in rows:
        run = PolicingModel("default", policy=row["policy"], seed=3, overrides=OVERRIDES).run(steps=120)
        summary = flatten(run.summary())
        outcomes = [k for k in row if k.startswith(("crimes.", "response_time_min.")) or k == "arrests"]
        assert {"crimes.total", "arrests", "response_time_min.mean", "response_time_min.within_3"} <= set(outcomes)
        assert {k for k in outcomes if k.startswith("crimes.by_type.")} == \
            {k for k in summary if k.startswith("crimes.by_type.")}
        for k in outcomes:
            want = summary[k]
            assert (math.isnan(row[k]) if want is None else row[k] == want), k
        assert row["crimes.total"] > 5 and row["response_time_min.calls"] > 0
