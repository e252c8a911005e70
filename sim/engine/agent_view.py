"""The agents of any backend as read-only tables (one row per agent).

On the ``numba`` backend there are no agent objects: each population is a set of arrays the
compiled loops run over, and ``model.agents`` is empty (building an object per row would cost
what the backend exists to save). :func:`agents_frame` shows any population of either
backend as a ``pandas.DataFrame`` copied from those arrays: a picture of the current step
that changing cannot change the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from polsim.engine.units import UNIT_STATES
from polsim.rules.offender import OFFENDER_STATUS

if TYPE_CHECKING:
    from polsim.model import PolicingModel

POPULATIONS = ("offenders", "units", "guardians")
"""The populations :func:`agents_frame` reads."""


def agents_frame(model: PolicingModel, population: str) -> pd.DataFrame:
    """``population`` (one of :data:`POPULATIONS`) now: ``row``, ``col`` and its state columns."""
    if population == "offenders":
        o = model.offenders
        return pd.DataFrame({"id": o.id.copy(), "row": o.r.copy(), "col": o.c.copy(),
                             "status": [OFFENDER_STATUS[s] for s in o.status.tolist()]})
    if population == "units":
        u = model.units
        return pd.DataFrame({"type": [u.type_names[t] for t in u.type_idx.tolist()], "row": u.r.copy(),
                             "col": u.c.copy(), "state": [UNIT_STATES[s] for s in u.state.tolist()],
                             "incident": u.incident.copy()})
    if population == "guardians":
        g = model.guardians
        return pd.DataFrame({"row": g.r.copy(), "col": g.c.copy(), "grid_worker": g.grid_worker.copy()})
    raise ValueError(f"population must be one of {', '.join(POPULATIONS)}, got {population!r}")
