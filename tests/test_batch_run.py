"""mesa.batch_run drives PolicingModel unchanged, and honours the seeds it is given."""

from __future__ import annotations

import mesa
import pandas as pd

from polsim import PolicingModel

REPORTERS = ["crimes", "units_busy", "calls_waiting", "offenders_fleeing"]


def test_batch_run_over_seeds():
    overrides = {"city.rows": 20, "city.cols": 20, "offenders.count": 80, "time.start_hour": 10,
                 "field.a0_per_min": 3e-3}
    # mesa 3.5 hands each run its ``rng``, which PolicingModel takes as its seed
    results = pd.DataFrame(mesa.batch_run(
        PolicingModel, parameters={"scenario": "default", "overrides": [overrides]}, rng=[1, 2],
        max_steps=90, data_collection_period=1, display_progress=False))
    assert sorted(results["rng"].unique()) == [1, 2] and set(REPORTERS) <= set(results)
    series = {}
    for seed, rows in results.groupby("rng"):
        direct = PolicingModel("default", seed=seed, overrides=overrides).run(steps=90)
        expected = direct.datacollector.get_model_vars_dataframe()[REPORTERS].reset_index(drop=True)
        got = rows.sort_values("Step")[REPORTERS].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
        series[seed] = got
    assert series[1]["crimes"].sum() > 5  # a real run to compare, not ninety zeros
    assert not series[1].equals(series[2])
