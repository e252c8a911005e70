"""The incident log: closed incidents leave the objects for columns, and nothing a run reports changes."""

from __future__ import annotations

import gc
import math
import weakref
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from polsim.engine import incident_log
from polsim.engine.incident import NAN, Incident
from polsim.engine.incident_log import LIVE_ONLY, IncidentLog
from tests.conftest import small_model

CORDON_QUICK = {"dispatch.instant_travel": True, "crimes.robbery.on_scene_min": 0.5,
                "crimes.assault.on_scene_min": 0.5, "offenders.capture_probability": 0.9, "time.days": 1}
"""Cordons, arrests long after the close, and incidents that close in the step they start in."""


def _full(inc_id: int) -> Incident:
    """An incident with every field away from its default (and times no float32 could hold)."""
    return Incident(inc_id, "robbery", 1, 4999, 17, 1 / 3, 2 / 7, serious=True, offender=2**31 - 1,
                    t_detect=-0.0, t_call=1e300, t_dispatch=math.pi, t_arrival=math.e, t_close=1e-300,
                    t_capture=5e-324, detected_by="camera", first_unit=70_000, first_unit_type="patrol_car",
                    arrested=True, on_view=True, escalated=True, mediated_by="police", units=[3, 4])


def _same(a: Incident, b: Incident) -> bool:
    """Every archived field equal, of the same type, NaN equal to NaN, -0.0 unequal to 0.0."""
    for f in fields(Incident):
        if f.name in LIVE_ONLY[1:]:
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if type(x) is not type(y) or (repr(x) != repr(y)):
            return False
    return True


def _archived(log: IncidentLog, incs: list[Incident]) -> None:
    for inc in incs:
        log.add(inc)
    for inc in reversed(incs):  # closed out of order of id
        log.close(inc, inc.t_close)
    log.archive_closed()


def test_every_field_survives_the_archive_exactly(monkeypatch):
    monkeypatch.setattr(incident_log, "CHUNK_ROWS", 2)  # rows across chunk boundaries
    defaults, no_times = Incident(1, "dispute", 3, 0, 0, 0.0, 5.0), Incident(4, "burglary", 2, 1, 1, NAN, NAN)
    incs = [_full(0), defaults, _full(2), _full(3), no_times]
    log = IncidentLog()
    _archived(log, incs)
    assert log.live() == [] and len(log) == 5
    rebuilt = log.objects()
    assert all(_same(a, b) for a, b in zip(incs, rebuilt, strict=True))
    assert all(_same(a, log.read(a.id)) for a in incs)
    assert rebuilt[0].units == [] and rebuilt[0].arrived is None  # only used while open
    cols = log.columns(("t_detect", "kind", "offender"))
    assert np.signbit(cols["t_detect"][0]) and list(cols["kind"]) == [i.kind for i in incs]


def test_a_late_arrest_lands_in_the_archived_row():
    m = small_model(3, policy="layered+cordon", extra=CORDON_QUICK)
    m.run(steps=600)
    o = m.offenders
    k = next(k for k in range(len(o)) if o.incident[k] >= 0 and m.incidents.get(int(o.incident[k])) is None)
    inc_id = int(o.incident[k])
    o.arrested[:] = False
    o.arrested[k] = True
    m._handle_arrests()
    table = m.incident_table()
    assert table["arrested"][inc_id] and table["t_capture"][inc_id] == m.now
    assert m.incidents.read(inc_id).arrested and not m.incidents.read(inc_id).is_open


@pytest.mark.parametrize("policy, extra", [("random", {"time.days": 0.5}), ("layered+cordon", CORDON_QUICK)])
def test_the_archive_changes_nothing_a_run_reports(monkeypatch, policy, extra):
    """The same run with every incident kept as an object gives the same table and summary."""
    archived = small_model(5, policy=policy, extra=extra).run()
    monkeypatch.setattr(IncidentLog, "archive_closed", lambda self: None)
    objects = small_model(5, policy=policy, extra=extra).run()
    assert len(archived.incidents.live()) < len(objects.incidents.live()) == len(objects.incidents)
    assert pd.DataFrame(archived.incident_table()).equals(pd.DataFrame(objects.incident_table()))
    assert archived.summary() == objects.summary()
    now = archived.now
    assert [i.status(now) for i in objects.incident_list()] == list(archived.incident_table()["status"])
    reached = [i.response_min for i in objects.incident_list() if i.is_call(now) and i.t_arrival == i.t_arrival]
    assert archived.response_times()[0].tolist() == reached


def test_closed_incidents_are_dropped_as_objects():
    m = small_model(2, extra={"disputes.per_day": 200})
    refs = {}
    for _ in range(300):
        m.step()
        refs.update((inc.id, weakref.ref(inc)) for inc in m.incidents.live() if inc.id not in refs)
    gc.collect()
    live = {inc.id for inc in m.incidents.live()}
    gone = [i for i in refs if i not in live]
    assert len(gone) > 20 and all(refs[i]() is None for i in gone)
    assert all(inc.is_open for inc in m.incidents.live())


def test_cordon_sees_an_incident_that_closed_in_its_first_step():
    """The log tells its subscribers of a step's new incidents before it archives the closed ones."""
    m = small_model(1, policy="cordon")
    m.step()
    free = int(np.flatnonzero(m.dispatch.available() & m.policy.can_hold).size)
    inc = m._new_incident("robbery", 1, 10, 10, m.now, 1.0, True, offender=0)
    inc.t_call = m.now
    m.incidents.close(inc, m.now)
    m.incidents.publish_opened()  # the step's end, in the model's order
    m.incidents.archive_closed()
    assert m.incidents.get(inc.id) is None
    m.policy.on_step(m.policy_view)
    assert [c.incident for c in m.policy.active] == [inc.id] and len(m.policy.active[0].units) == min(
        free, m.policy.n_units)


def test_the_table_written_in_pieces_is_the_whole_table(monkeypatch, tmp_path):
    """incidents.parquet is written piece by piece (pieces of 7 rows here, across archive
    chunks of 5): read back, it is the table built whole, open incidents included."""
    from polsim.output import write_run

    monkeypatch.setattr(incident_log, "CHUNK_ROWS", 5)
    m = small_model(3, extra={"time.days": 0.5})
    m.run()
    assert len(m.incidents) > 30 and m.incidents.live()
    whole = pd.DataFrame(m.incident_table())
    pieces = list(m.incident_tables(rows=7))
    assert len(pieces) == -(-len(m.incidents) // 7)
    assert pd.concat([pd.DataFrame(p) for p in pieces], ignore_index=True).equals(whole)
    monkeypatch.setattr(m, "incident_tables", lambda: iter(pieces))  # several row groups
    write_run(m, tmp_path, {})
    back = pd.read_parquet(tmp_path / "incidents.parquet")
    assert len(back) == len(whole) and (back["id"].to_numpy() == whole["id"].to_numpy()).all()
    for name in whole:
        a, b = back[name].to_numpy(), whole[name].to_numpy()
        assert (pd.isna(a) == pd.isna(b)).all() and (a[~pd.isna(a)] == b[~pd.isna(b)]).all(), name
