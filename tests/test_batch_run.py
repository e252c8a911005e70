"""mesa.batch_run drives PolicingModel unchanged, and honours the seeds it is given."""

from __future__ import annotations

import mesa

from sim import PolicingModel


def test_batch_run_over_seeds():
    overrides = {"city.rows": 20, "city.cols": 20, "offenders.count": 80, "time.start_hour": 10,
                 "field.a0_per_min": 1e-3}
    # mesa 3.5 hands each run its ``rng``, which PolicingModel takes as its seed
    results = mesa.batch_run(PolicingModel, parameters={"scenario": "default", "overrides": [overrides]},
                             rng=[1, 2], max_steps=90, display_progress=False)
    assert len(results) == 2
    by_seed = {r["rng"]: r for r in results}
    assert set(by_seed) == {1, 2}
    for seed, row in by_seed.items():
        direct = PolicingModel("default", seed=seed, overrides=overrides).run(steps=90)
        assert row["crimes"] == direct.datacollector.get_model_vars_dataframe()["crimes"].iloc[-1]
        assert row["Step"] == 90
    assert {"crimes", "units_busy", "calls_waiting", "offenders_fleeing"} <= set(results[0])
