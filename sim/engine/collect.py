"""What the model's ``DataCollector`` records each ``output.collect_every`` steps.

Two kinds of column: the state of this step (``crimes_this_step``, ``units_busy``,
``calls_waiting``, ``offenders_fleeing``), and the run's outcomes so far under their
``summary.json`` names (``crimes.total``, ``crimes.by_type.<type>``, ``arrests``,
``response_time_min.mean`` / ``.within_1`` / ``.within_3`` / ``.within_5`` / ``.calls``).
The last row of a run is then what a researcher wants from ``mesa.batch_run``: the last row
of the outcomes equals the run's ``summary()`` at that step. A response-time value with no
call reached yet is NaN (``summary()`` says None).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from polsim.engine.metrics import RESPONSE_COLUMNS, RESPONSE_TARGETS_MIN, response_shares, response_times
from polsim.engine.units import BUSY_STATES
from polsim.rules.offender import FLEEING

if TYPE_CHECKING:
    from polsim.model import PolicingModel

BY_TYPE = "crimes.by_type"
"""``polsim.measures.vocabulary.BY_TYPE``, which sits above the model in the layers (a test holds them equal)."""

Reporter = Callable[["PolicingModel"], Any]

RESPONSE_REPORTED = ("mean", *(f"within_{t}" for t in RESPONSE_TARGETS_MIN), "calls")
"""The ``response_time_min`` values collected, as so far in the run."""


def model_reporters(crime_types: list[str]) -> dict[str, Reporter]:
    """The DataCollector's model reporters for a scenario with ``crime_types``."""
    by_type: dict[str, Reporter] = {
        f"{BY_TYPE}.{name}": (lambda m, k=k: int(m.metrics.crimes_by_hour[:, k].sum()))
        for k, name in enumerate(crime_types)}
    response: dict[str, Reporter] = {
        f"response_time_min.{key}": (lambda m, key=key: _number(_response_so_far(m)[key]))
        for key in RESPONSE_REPORTED}
    return {
        "crimes_this_step": lambda m: m.metrics.step_crimes,
        "units_busy": lambda m: np.count_nonzero(m.units.in_state(BUSY_STATES)),
        "calls_waiting": lambda m: m.dispatch.calls_waiting,
        "offenders_fleeing": lambda m: np.count_nonzero(m.offenders.status == FLEEING),
        "crimes.total": lambda m: int(m.metrics.crimes_by_hour.sum()),
        **by_type,
        "arrests": lambda m: m.metrics.arrests,
        **response,
    }


_collected: dict[int, tuple[weakref.ref, int, dict[str, Any]]] = {}
"""The response values of the row being collected (its columns share one computation); the
model is held weakly, so a finished model is freed."""


def _response_so_far(model: PolicingModel) -> dict[str, Any]:
    """``summary()``'s response statistics now, computed once per step for all its columns."""
    cached = _collected.get(id(model))
    if cached is None or cached[0]() is not model or cached[1] != model.steps:
        reached, n_calls = response_times(model.incidents.columns(RESPONSE_COLUMNS), model.now)
        # the mean and the shares alone: the median and p90 of summary() sort every time
        stats = {"mean": float(reached.mean()) if reached.size else None, **response_shares(reached, n_calls)}
        cached = (weakref.ref(model), model.steps, stats)
        _collected.clear()  # one model's step at a time: nothing kept past the row being collected
        _collected[id(model)] = cached
    return cached[2]


def _number(value: float | None) -> float:
    return float("nan") if value is None else value
