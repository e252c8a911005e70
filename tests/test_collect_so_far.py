"""The DataCollector's response columns, kept as running totals, equal summary() at every step."""

from __future__ import annotations

import math

import pytest

from polsim import PolicingModel
from polsim.engine.collect import ResponseSoFar
from polsim.engine.incident import Incident
from polsim.engine.incident_log import IncidentLog
from polsim.engine.metrics import RESPONSE_COLUMNS, response_stats

KEYS = ("mean", "within_1", "within_3", "within_5", "calls")


def _same(got: dict, want: dict) -> None:
    for key in KEYS:
        w = want[key]
        assert (got[key] is None if w is None else got[key] == w), key  # to the bit, not approximately


@pytest.mark.parametrize("scenario", ["default", "nanning_2019_after"])
def test_the_running_totals_give_summarys_numbers_to_the_bit_at_every_step(scenario):
    """Many incidents close out of order (a busy unit's call waits while later ones close): the
    folded prefix and the live rest together give what reading the whole log gives."""
    model = PolicingModel(scenario, seed=4, overrides={"time.days": 1.0})
    so_far = ResponseSoFar()
    folded_once = False
    for step in range(model.max_steps):
        model.step()
        if step % 7:
            continue
        got = so_far.at(model.incidents, model.now, model.steps)
        _same(got, model.summary()["response_time_min"])
        folded_once |= so_far._folded > 0
    assert folded_once and model.summary()["response_time_min"]["calls"] > 20


def _closed(log: IncidentLog, t_call: float, t_arrival: float, on_view: bool = False) -> None:
    inc = Incident(len(log), "burglary", 2, 0, 0, 0.0, 10.0)
    inc.detect("victim", 0.0, t_call, on_view=on_view)
    log.add(inc)
    if math.isfinite(t_arrival):
        inc.reached(0, "patrol_car", t_arrival)
    log.close(inc, max(t_arrival, 1.0) if math.isfinite(t_arrival) else 1.0)


def test_a_closed_incident_whose_call_is_still_to_come_is_counted_once_it_comes():
    """Folding stops at a closed incident with a later call time: at that time it becomes a call."""
    log = IncidentLog()
    _closed(log, t_call=0.5, t_arrival=3.0)
    _closed(log, t_call=50.0, t_arrival=float("nan"))  # closed at minute 1; its call comes at 50
    _closed(log, t_call=0.2, t_arrival=1.5)
    _closed(log, t_call=0.1, t_arrival=2.0, on_view=True)  # seen on view: never a call
    _closed(log, t_call=float("nan"), t_arrival=float("nan"))  # mediated: never a call
    log.archive_closed()
    so_far = ResponseSoFar()
    for step, now in enumerate((10.0, 49.0, 50.0, 80.0)):
        got = so_far.at(log, now, step)
        _same(got, response_stats(log.columns(RESPONSE_COLUMNS), now))
    assert so_far.at(log, 80.0, 3)["calls"] == 3 and so_far._folded == 5
