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

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from polsim.engine.metrics import RESPONSE_COLUMNS, RESPONSE_TARGETS_MIN, response_times, shares_of_calls, within_counts
from polsim.engine.units import BUSY_STATES
from polsim.rules.offender import FLEEING

if TYPE_CHECKING:
    from polsim.engine.incident_log import IncidentLog
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
    so_far = ResponseSoFar()
    response: dict[str, Reporter] = {
        f"response_time_min.{key}": (lambda m, key=key: _number(so_far.at(m.incidents, m.now, m.steps)[key]))
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


class ResponseSoFar:
    """``summary()``'s response mean and shares at each step, without reading the whole log.

    The incidents before the first live one are closed and never change, so they are folded in
    once: their calls and the counts within each target as integers, their response times kept
    in order of id. Each row then reads only the incidents from the first live one on, and the
    mean is taken over the kept times followed by theirs: the same values in the same order as
    :func:`polsim.engine.metrics.response_times` gives, so the same mean to the bit (a running
    sum would round otherwise). A closed incident whose call is still to come (its crime closed
    before anyone called) is not folded until the call time has passed, since it becomes a
    call then.
    """

    def __init__(self) -> None:
        self._folded = 0  # incidents 0 .. _folded - 1 are counted in the totals below
        self._calls = 0
        self._within = np.zeros(len(RESPONSE_TARGETS_MIN), np.int64)
        self._times = np.empty(1024)  # the folded response times (minutes), then this row's
        self._n_times = 0
        self._row: tuple[int, dict[str, Any]] | None = None

    def at(self, incidents: IncidentLog, now: float, step: int) -> dict[str, Any]:
        """The mean, the shares within each target and the number of calls at ``now``: one
        computation a step, which every response column of the row reads.
        """
        if self._row is None or self._row[0] != step:
            self._fold(incidents, now)
            rest = incidents.columns(RESPONSE_COLUMNS, start=self._folded)
            reached, calls = response_times(rest, now)
            times = self._room(reached.size)
            times[self._n_times:] = reached
            stats = {"mean": float(times.mean()) if times.size else None,
                     **shares_of_calls(self._within + within_counts(reached), self._calls + calls)}
            self._row = (step, stats)
        return self._row[1]

    def _fold(self, incidents: IncidentLog, now: float) -> None:
        """Count the closed incidents not yet counted, up to the first whose call is still to come."""
        stop = incidents.closed_prefix()
        if stop <= self._folded:
            return
        cols = incidents.columns(RESPONSE_COLUMNS, start=self._folded, stop=stop)
        t_call, on_view = cols["t_call"], cols["on_view"]
        later = np.flatnonzero(np.isfinite(t_call) & (t_call > now) & np.logical_not(on_view))
        if later.size:
            cols = {name: values[:later[0]] for name, values in cols.items()}
            stop = self._folded + int(later[0])
        reached, n_calls = response_times(cols, now)
        self._room(reached.size)[self._n_times:] = reached
        self._n_times += reached.size
        self._calls += n_calls
        self._within += within_counts(reached)
        self._folded = stop

    def _room(self, extra: int) -> np.ndarray:
        """The kept times with room for ``extra`` more after them (the buffer doubles as needed)."""
        need = self._n_times + extra
        if need > self._times.size:
            grown = np.empty(max(need, 2 * self._times.size))
            grown[:self._n_times] = self._times[:self._n_times]
            self._times = grown
        return self._times[:need]


def _number(value: float | None) -> float:
    return float("nan") if value is None else value
