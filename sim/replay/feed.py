"""The recorded calls reach dispatch as they fall due: one SimPy process walks a time-sorted table.

Each record becomes an incident when its call time comes (not before: only the calls still
being served are live objects, so memory stays flat however long the period) and is carried by
the same process as a simulated crime's call (:func:`polsim.engine.incident_processes.crime_life`):
queue, dispatch, travel, backup, time on scene. A recorded call is a call: no on-view detection,
no report delay (its call time is the record's), and a recorded dispute does not escalate (the
record says what happened).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from polsim.engine.detection import exponential
from polsim.engine.incident_processes import crime_life
from polsim.engine.metrics import describe_minutes
from polsim.replay.records import DISPUTE, RECORDED, CallTable, load_calls
from polsim.scenario.loader import PolicingScenario
from polsim.scenario.schema import ScenarioSpec

if TYPE_CHECKING:
    from polsim.engine.dispatch import DispatchCentre
    from polsim.engine.incident import Incident
    from polsim.engine.incident_log import IncidentLog

RECORD = "record"
"""``detected_by`` of a recorded call: the record says who called, the replay does not."""

NewIncident = Callable[[str, int, int, int, float, float, bool], "Incident"]
"""Makes and logs an incident: (kind, priority, row, col, t_crime, on_scene_min, serious)."""
RecordCrime = Callable[[int, int, int], None]
"""Counts a crime of a type (its code), at a cell, now: the crime maps and the hotspot policies see it."""


class CallFeed:
    """Starts an incident for each recorded call at its call time, and remembers which record it is.

    Args:
        env: the run's SimPy environment.
        table: the calls, in order of call time.
        spec: the scenario (the types' times on scene and seriousness).
        dispatch: the dispatch centre the calls reach.
        log: the incident log (closes them).
        new_incident: makes and logs an incident with the next id.
        record_crime: counts a recorded call of a crime type as a crime (a dispute is none).
        rng: draws the time on scene of a record without one.
    """

    def __init__(self, env: simpy.Environment, table: CallTable, spec: ScenarioSpec, dispatch: DispatchCentre,
                 log: IncidentLog, new_incident: NewIncident, record_crime: RecordCrime,
                 rng: np.random.Generator) -> None:
        self.env, self.table, self.dispatch, self.log = env, table, dispatch, log
        self.new_incident, self.record_crime, self.rng = new_incident, record_crime, rng
        names = list(spec.crimes)
        self.crime_code = np.array([names.index(t) if t in names else -1 for t in table.types], np.int64)
        self.on_scene_mean = {name: ct.on_scene_min for name, ct in spec.crimes.items()}
        self.on_scene_mean[DISPUTE] = spec.disputes.on_scene_min
        self.serious = {name: ct.serious for name, ct in spec.crimes.items()}
        self.recorded_codes = np.array([k for k, name in enumerate(spec.crimes) if name in table.types], np.int64)
        self.keep_crime = spec.calls.keep_crime
        self._record_of = np.full(1024, -1, np.int32)
        self.calls_made = 0
        env.process(self._feed())

    def _feed(self):
        t = self.table.t_call
        for k in range(t.size):
            wait = t[k] - self.env.now
            if wait > 0:
                yield self.env.timeout(wait)
            self._call(k)

    def _call(self, k: int) -> None:
        t = self.table
        kind = t.types[t.type_code[k]]
        on_scene = float(t.on_scene_min[k])
        if math.isnan(on_scene):
            on_scene = exponential(self.on_scene_mean[kind], self.rng.random())
        now = self.env.now
        inc = self.new_incident(kind, int(t.priority[k]), int(t.r[k]), int(t.c[k]), min(float(t.t_crime[k]), now),
                                on_scene, self.serious.get(kind, False))
        inc.detect(RECORD, now, now)
        code = int(self.crime_code[t.type_code[k]])
        if code >= 0:
            self.record_crime(code, inc.r, inc.c)
        self._link(inc.id, k)
        self.calls_made += 1
        self.env.process(crime_life(self.env, inc, self.dispatch, self.log, -1))

    def _link(self, incident: int, record: int) -> None:
        if incident >= self._record_of.size:
            grown = np.full(max(2 * self._record_of.size, incident + 1), -1, np.int32)
            grown[:self._record_of.size] = self._record_of
            self._record_of = grown
        self._record_of[incident] = record

    def thin(self, crime: np.ndarray) -> None:
        """This step's simulated crimes (type codes, -1 none) less those of the types the record
        holds: the record is their demand (with ``keep_crime``; without it there are no offenders).
        """
        committed = np.flatnonzero(crime >= 0)  # few a step: test those, not every offender
        if committed.size and self.recorded_codes.size:
            drop = committed[np.isin(crime[committed], self.recorded_codes)]
            crime[drop] = -1

    def records(self, start: int, stop: int) -> np.ndarray:
        """The record index of incidents ``start .. stop-1`` (-1: a simulated incident)."""
        out = np.full(stop - start, -1, np.int32)
        have = min(stop, self._record_of.size)
        if have > start:
            out[:have - start] = self._record_of[start:have]
        return out

    def record_ids(self, start: int, stop: int) -> np.ndarray:
        """The record's own id of incidents ``start .. stop-1`` ("" for a simulated incident)."""
        k = self.records(start, stop)
        ids = np.asarray(self.table.record_id, dtype=object)
        return np.where(k >= 0, ids[np.maximum(k, 0)] if ids.size else "", "").astype(object)

    def describe(self) -> dict[str, Any]:
        """What was replayed: the file, the period, how many calls, whether their times were drawn."""
        t = self.table
        lacking = "the types the record lacks" if self.keep_crime else "none"
        return {"calls": t.source, "period": t.period, "start": t.start.isoformat(), "records": len(t),
                "calls_made": self.calls_made, "self_initiated_skipped": t.self_initiated_skipped,
                "times_drawn": t.times_drawn, "types": list(t.types), "simulated_crime": lacking}

    def side_by_side(self, incidents: Mapping[str, np.ndarray]) -> dict[str, dict[str, Any]]:
        """The record's own dispatch, travel and response times against the replay's, over the
        recorded calls a unit reached (``incidents``: every incident's ``t_call``, ``t_dispatch``
        and ``t_arrival`` in order of id).
        """
        k = self.records(0, incidents["t_call"].size)
        mine = k >= 0
        rec = k[mine]
        t_call, t_disp, t_arr = (incidents[n][mine] for n in ("t_call", "t_dispatch", "t_arrival"))
        simulated = {"dispatch_min": t_disp - t_call, "travel_min": t_arr - t_disp, "response_min": t_arr - t_call}
        out = {}
        for name in RECORDED:
            recorded = self.table.recorded[name][rec] if rec.size else np.zeros(0)
            sim = simulated[name]
            out[name] = {"recorded": describe_minutes(recorded[np.isfinite(recorded)]),
                         "simulated": describe_minutes(sim[np.isfinite(sim)])}
        return out


def replay_spec(spec: ScenarioSpec, table: CallTable) -> ScenarioSpec:
    """The scenario a replay runs: the period's length and start hour, and no simulated crime
    (offenders, disputes) unless ``calls.keep_crime`` keeps that of the types the record lacks.
    """
    time = dataclasses.replace(spec.time, days=table.days, start_hour=int(table.start.hour))
    changes: dict[str, Any] = {"time": time}
    if not spec.calls.keep_crime:
        changes["offenders"] = dataclasses.replace(spec.offenders, count=0, short2008_birth_rate=0.0)
    if not spec.calls.keep_crime or DISPUTE in table.types:
        changes["disputes"] = dataclasses.replace(spec.disputes, per_day=0.0)
    return dataclasses.replace(spec, **changes)


def replay_scenario(scenario: PolicingScenario,
                    rng: np.random.Generator | None = None) -> tuple[PolicingScenario, CallTable]:
    """The scenario a replay runs (:func:`replay_spec`) and its calls, read and checked
    (``rng`` draws the minutes of months-only records).
    """
    from polsim.cities.source import city_for

    table = load_calls(scenario.spec, scenario.source, city_for(scenario.spec.city), rng)
    spec = replay_spec(scenario.spec, table)
    return PolicingScenario(rng=scenario.rng, spec=spec, source=scenario.source), table
