"""An incident: what happened, where, and the time of each stage.

The SimPy processes that carry an incident through time are in
:mod:`polsim.engine.incident_processes`.

The rules that say what an incident is at a moment (open, reported, a call, its status) are
functions here that take one incident's values or whole columns alike: the ``Incident``
methods and the column readers of :mod:`polsim.engine.metrics` both call them, so the summary and the
incident table cannot drift apart from what an object says. A closed incident is moved out of
the live objects into :class:`polsim.engine.incident_log.IncidentLog`'s columns at the end of its step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

NAN = float("nan")
GRID_WORKER = "grid_worker"
"""``mediated_by`` of a dispute a grid worker settled: known to the grid, no call to the police."""


def is_open(t_close):
    """Not yet closed: no close time (one value or a column)."""
    return np.isnan(t_close)


def reported_by(t_call, mediated_by, now: float):
    """Someone who acts on it knows by ``now``: dispatch has the call, or a grid worker mediates.

    An incident is created when its crime happens, with the time its call *will* come
    (a burglary is reported two hours later on average); until then it is no call and
    no incident of the police yet, however the run ends. One incident's values or columns.
    """
    return (t_call <= now) | (mediated_by == GRID_WORKER)


def is_call(t_call, on_view, now: float):
    """A call the dispatch centre had received by ``now`` (a unit that saw it on view got no call)."""
    return (t_call <= now) & np.logical_not(on_view)


def status(t_call, mediated_by, t_close, now: float):
    """``closed``, ``open`` (reported, not closed), or ``unreported`` (no call yet) at ``now``."""
    return np.where(reported_by(t_call, mediated_by, now),
                    np.where(is_open(t_close), "open", "closed"), "unreported")


@dataclass(slots=True, weakref_slot=True)  # weakref: tests check that archived incidents are freed
class Incident:
    """One incident's record: what, where, and the time of each stage (minutes since start).

    An object only while it is live: the incident log archives a closed one as a row of columns.
    """

    id: int
    kind: str
    priority: int
    r: int
    c: int
    t_crime: float
    on_scene_min: float
    serious: bool = False
    offender: int = -1  # the offender's id (``Offenders.id``); -1 for a dispute
    t_detect: float = NAN
    t_call: float = NAN
    t_dispatch: float = NAN
    t_arrival: float = NAN
    t_close: float = NAN
    t_capture: float = NAN
    detected_by: str = ""
    first_unit: int = -1
    first_unit_type: str = ""
    arrested: bool = False
    on_view: bool = False
    escalated: bool = False
    mediated_by: str = ""
    units: list[int] = field(default_factory=list)
    arrived: simpy.Event | None = None

    @property
    def response_min(self) -> float:
        """Call received to first unit on scene (NaN while no unit has arrived)."""
        return self.t_arrival - self.t_call

    @property
    def is_open(self) -> bool:
        """Not yet closed."""
        return is_open(self.t_close)

    def reported_by(self, now: float) -> bool:
        """Dispatch has the call by ``now``, or a grid worker mediates (see :func:`reported_by`)."""
        return bool(reported_by(self.t_call, self.mediated_by, now))

    def is_call(self, now: float) -> bool:
        """A call the dispatch centre had received by ``now`` (see :func:`is_call`)."""
        return bool(is_call(self.t_call, self.on_view, now))

    def status(self, now: float) -> str:
        """``closed``, ``open`` or ``unreported`` at ``now`` (see :func:`status`)."""
        return str(status(self.t_call, self.mediated_by, self.t_close, now))

    # -- the transitions: the only writers of an incident's record ----------------------------------
    # Other modules ask for these instead of assigning fields (tests/test_incident_owner.py holds
    # them to it), so the life of an incident reads in one place, as a unit's does in Units.
    def detect(self, by: str, t_detect: float, t_call: float, on_view: bool = False) -> None:
        """Someone knows of it at ``t_detect`` (``by``: victim, grid worker, camera, a unit on view,
        a record) and the call reaches dispatch at ``t_call`` (NaN: no call will come).
        """
        self.detected_by, self.t_detect, self.t_call, self.on_view = by, t_detect, t_call, on_view

    def mediated(self, by: str) -> None:
        """A dispute settled by ``by``: a grid worker (who calls nobody: no call time) or police."""
        self.mediated_by = by
        if by == GRID_WORKER:
            self.t_call = NAN

    def escalate(self) -> None:
        """A dispute nobody reached in time turns violent: an assault, of the first priority."""
        self.escalated, self.priority = True, 1

    def dispatched(self, unit: int, now: float) -> None:
        """``unit`` is sent at ``now``; the first sending is the incident's dispatch time."""
        if np.isnan(self.t_dispatch):
            self.t_dispatch = now
        self.units.append(unit)

    def reached(self, unit: int, unit_type: str, now: float) -> bool:
        """``unit`` is on scene at ``now``; returns whether it is the first (whose arrival is the
        response time), and only then records it.
        """
        if not np.isnan(self.t_arrival):
            return False
        self.t_arrival, self.first_unit, self.first_unit_type = now, unit, unit_type
        return True

    def close(self, now: float) -> None:
        """Closed at ``now``: the last unit on it leaves."""
        self.t_close = now

    def arrest(self, now: float) -> None:
        """Its offender was caught at ``now`` (often after the incident closed)."""
        self.arrested, self.t_capture = True, now
