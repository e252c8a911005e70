"""The backend-equality invariant holds under every policy: same scenario and seed, same results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from polsim.output import summary_json
from tests.conftest import small_model

BUSY = {"field.a0_per_min": 5e-3, "time.days": 0.06, "policy.replan_days": 0.03,
        "units.motorcycle_squad.count": 3, "policy.cordon_radius_m": 600.0, "policy.cordon_min": 8.0}
"""A short, busy run: hotspots re-planned twice, robberies that close cordons, queued calls."""


def _text(model) -> str:
    summary = model.summary()
    summary.pop("backend")
    return summary_json(summary)


@pytest.mark.parametrize(("policy", "dispatch"), [
    ("fixed_posts", "avl"), ("beat", "zone"), ("hotspot+cordon", "avl"), ("layered", "avl"),
    ("grid_fusion", "zone"), ("motorcycle_rapid", "avl"), ("cordon", "zone"),
])
def test_mesa_and_numba_agree_under_the_policy(policy, dispatch):
    extra = {**BUSY, "dispatch.rule": dispatch}
    numba = small_model(5, "numba", policy=policy, extra=extra).run()
    mesa = small_model(5, "mesa", policy=policy, extra=extra).run()
    assert numba.summary()["crimes"]["total"] > 20
    assert _text(numba) == _text(mesa)
    np.testing.assert_array_equal(numba.units.r, mesa.units.r)
    np.testing.assert_array_equal(numba.offenders.r, mesa.offenders.r)
    assert pd.DataFrame(numba.incident_table()).equals(pd.DataFrame(mesa.incident_table()))


def test_the_busy_run_exercises_the_policies_hooks():
    """The cordon closes and the hotspot plan moves within the short run used above."""
    m = small_model(5, policy="hotspot+cordon", extra=BUSY)
    first = None
    cordons = 0
    for _ in range(m.max_steps):
        m.step()
        first = m.policy.treated_cells(m).copy() if first is None else first
        cordons = max(cordons, len(m.policy.parts[1].active))
    assert cordons >= 1
    assert not np.array_equal(first, m.policy.treated_cells(m))
