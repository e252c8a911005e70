"""Seeded runs repeat exactly, and the two backends give the same results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from polsim.output import summary_json
from tests.conftest import small_model


def _summary_text(model) -> str:
    summary = model.summary()
    summary.pop("backend")
    return summary_json(summary)


def test_same_seed_same_results_and_different_seed_different_results():
    a, b, c = (small_model(s).run() for s in (11, 11, 12))
    assert _summary_text(a) == _summary_text(b)
    assert _summary_text(a) != _summary_text(c)
    np.testing.assert_array_equal(a.metrics.crimes_by_cell, b.metrics.crimes_by_cell)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mesa_and_numba_backends_agree(seed):
    numba = small_model(seed, "numba").run()
    mesa = small_model(seed, "mesa").run()
    assert _summary_text(numba) == _summary_text(mesa)
    np.testing.assert_array_equal(numba.b, mesa.b)
    np.testing.assert_array_equal(numba.offenders.r, mesa.offenders.r)
    assert pd.DataFrame(numba.incident_table()).equals(pd.DataFrame(mesa.incident_table()))


def test_backends_agree_with_zone_dispatch_shifts_and_disputes():
    extra = {"dispatch.rule": "zone", "units.patrol_car.shift": [10, 13], "disputes.per_day": 80}
    numba = small_model(9, "numba", extra=extra).run()
    mesa = small_model(9, "mesa", extra=extra).run()
    assert numba.summary()["disputes"]["total"] > 5
    assert _summary_text(numba) == _summary_text(mesa)


def test_mesa_backend_has_an_agent_per_row():
    from polsim.engine.agents import Guardian, Offender, PoliceUnit

    m = small_model(1, "mesa")
    assert len(m.agents_by_type[Offender]) == len(m.offenders)
    assert len(m.agents_by_type[PoliceUnit]) == len(m.units)
    assert len(m.agents_by_type[Guardian]) == len(m.guardians)
    m.step()
    unit = m.agents_by_type[PoliceUnit][0]
    assert unit.cell == (int(m.units.r[0]), int(m.units.c[0])) and unit.state == "patrolling"


@pytest.mark.parametrize("seed", [-3, 1.5, "7", True])
def test_a_bad_seed_is_a_clear_error(seed):
    from polsim import PolicingModel

    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        PolicingModel("default", seed=seed)


_INTERPRETED_RUN = """
import hashlib, json, sys
from polsim import PolicingModel
m = PolicingModel("default", backend=sys.argv[1], seed=2,
                  overrides={"time.days": 0.05, "field.a0_per_min": 1e-3, "disputes.per_day": 200.0})
m.run()
o = m.offenders
state = b"".join(a.tobytes() for a in (o.r, o.c, o.status, m.b, m.units.r, m.units.c, m.guardians.r))
summary = m.summary()
summary.pop("backend")
print(json.dumps({"summary": summary, "state": hashlib.sha1(state).hexdigest()}))
"""


def test_compiled_rules_run_as_their_python_source():
    """The rules compiled by Numba give, to the bit, the run their source gives as plain
    Python (``NUMBA_DISABLE_JIT=1``, the Mesa backend): no rule leans on a typing that Python
    reads otherwise (numpy booleans that add up as a logical or did; float32 sums did)."""
    import json
    import os
    import subprocess
    import sys

    def run(backend: str, **env: str) -> dict:
        out = subprocess.run([sys.executable, "-c", _INTERPRETED_RUN, backend], capture_output=True,
                             text=True, check=True, env={**os.environ, **env})
        return json.loads(out.stdout.strip().splitlines()[-1])

    compiled, interpreted = run("numba"), run("mesa", NUMBA_DISABLE_JIT="1")
    assert compiled["summary"]["crimes"]["total"] > 10 and compiled["summary"]["incidents"] > 5
    assert interpreted == compiled
