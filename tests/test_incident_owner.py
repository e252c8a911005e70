"""Incidents have one owner: only :class:`polsim.engine.incident.Incident`'s transitions write an
incident's record (detect, mediated, escalate, dispatched, reached, close, arrest); every other
module asks them, as units are asked through ``Units``."""

from __future__ import annotations

import ast
import dataclasses
import math
from pathlib import Path

import numpy as np

from polsim.engine.incident import GRID_WORKER, Incident

RECORD_ONLY = {"t_detect", "t_call", "t_dispatch", "t_arrival", "t_close", "t_capture", "detected_by",
               "first_unit", "first_unit_type", "arrested", "on_view", "escalated", "mediated_by"}
"""Incident fields no other object of the engine has: an assignment to one is a write of an incident."""


def test_every_record_only_name_is_an_incident_field():
    assert {f.name for f in dataclasses.fields(Incident)} >= RECORD_ONLY


def test_no_module_but_the_incident_writes_an_incidents_record():
    sim = Path(__file__).resolve().parents[1] / "sim"
    writers = []
    for path in sim.rglob("*.py"):
        if path.name == "incident.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AugAssign) else [])
            direct = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            for sub in direct:  # ``x.t_call = ...``; a subscript (``arrays.arrested[i] = ...``) is an array's
                if isinstance(sub, ast.Attribute) and sub.attr in RECORD_ONLY:
                    writers.append(f"{path.relative_to(sim)}:{node.lineno} {ast.unparse(sub)}")
            # an incident's units are appended to by its dispatched() alone
            f = node.func if isinstance(node, ast.Call) else None
            if (isinstance(f, ast.Attribute) and f.attr == "append" and isinstance(f.value, ast.Attribute)
                    and f.value.attr == "units" and isinstance(f.value.value, ast.Name)
                    and f.value.value.id in ("inc", "incident")):
                writers.append(f"{path.relative_to(sim)}:{node.lineno} {ast.unparse(node)}")
    assert not writers, writers


def _incident() -> Incident:
    return Incident(0, "robbery", 2, 3, 4, t_crime=10.0, on_scene_min=20.0)


def test_the_first_dispatch_and_the_first_arrival_are_the_incidents_times():
    inc = _incident()
    inc.dispatched(5, now=12.0)
    inc.dispatched(7, now=14.0)
    assert inc.t_dispatch == 12.0 and inc.units == [5, 7]
    assert inc.reached(7, "motorcycle_squad", now=15.0)
    assert not inc.reached(5, "patrol_car", now=16.0)
    assert (inc.t_arrival, inc.first_unit, inc.first_unit_type) == (15.0, 7, "motorcycle_squad")


def test_a_grid_worker_mediates_without_a_call_and_police_keep_theirs():
    inc = _incident()
    inc.detect("victim", 10.0, 25.0)
    inc.mediated("police")
    assert inc.t_call == 25.0 and inc.mediated_by == "police"
    inc.mediated(GRID_WORKER)
    assert math.isnan(inc.t_call) and inc.status(100.0) == "open"  # known to the grid, open till closed


def test_escalation_close_and_arrest():
    inc = _incident()
    inc.escalate()
    assert inc.escalated and inc.priority == 1
    inc.close(40.0)
    inc.arrest(55.0)
    assert not inc.is_open and inc.arrested and inc.t_capture == 55.0
    assert np.isnan(inc.t_detect)  # nothing else was written
