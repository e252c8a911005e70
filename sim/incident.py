"""An incident and the SimPy processes that carry it from detection to close.

Continuous time belongs to SimPy: a crime incident waits for its call, queues at the
dispatch centre, waits for the first unit to arrive (the movement kernel reports the exact
minute), then for the time on scene. A dispute also races its escalation clock: if no grid
worker or unit reaches it first, it turns into an assault. The processes tell the dispatch
centre and the incident log what happens, and hear back only through the incident's
``arrived`` event: news flows one way, incident -> dispatch -> units.

The rules that say what an incident is at a moment (open, reported, a call, its status) are
functions here that take one incident's values or whole columns alike: the ``Incident``
methods and the column readers of :mod:`polsim.metrics` both call them, so the summary and the
incident table cannot drift apart from what an object says. A closed incident is moved out of
the live objects into :class:`polsim.incident_log.IncidentLog`'s columns at the end of its step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import simpy

if TYPE_CHECKING:
    from polsim.dispatch import DispatchCentre
    from polsim.incident_log import IncidentLog

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


def crime_life(env: simpy.Environment, inc: Incident, dispatch: DispatchCentre, log: IncidentLog,
               on_view_unit: int):
    """A reported crime: the call, dispatch (or the unit that saw it), arrival, service, close."""
    yield env.timeout(max(inc.t_call - env.now, 0.0))
    if on_view_unit >= 0:
        dispatch.assign(inc, on_view_unit)
    else:
        dispatch.enqueue(inc)
    yield inc.arrived
    yield env.timeout(inc.on_scene_min)
    log.close(inc, env.now)
    dispatch.finish(inc)


def dispute_life(env: simpy.Environment, inc: Incident, dispatch: DispatchCentre, log: IncidentLog, *,
                 escalate_after: float, mediated_by_grid_worker: bool, mediation_min: float,
                 on_escalate: Callable[[Incident], None], on_end: Callable[[Incident], None]):
    """A dispute: a grid worker mediates it, or police must arrive before it escalates.

    ``on_escalate`` hears of a dispute that turned violent (an assault to record) and
    ``on_end`` of every dispute that ended, mediated or not (the metrics count them).
    """
    if mediated_by_grid_worker and mediation_min < escalate_after:
        # the grid worker settles it: nobody calls the police (no call time), from now on
        inc.mediated_by, inc.t_call = GRID_WORKER, NAN
        yield env.timeout(mediation_min)
        log.close(inc, env.now)
        on_end(inc)
        return
    env.process(escalation_clock(env, log, inc.id, escalate_after, on_escalate))
    yield env.timeout(max(inc.t_call - env.now, 0.0))
    dispatch.enqueue(inc)
    yield inc.arrived
    if not inc.escalated:
        inc.mediated_by = "police"
    yield env.timeout(inc.on_scene_min)
    log.close(inc, env.now)
    dispatch.finish(inc)
    on_end(inc)


def escalation_clock(env: simpy.Environment, log: IncidentLog, inc_id: int, after: float,
                     on_escalate: Callable[[Incident], None]):
    """If nobody has reached the dispute when the clock runs out, it becomes an assault.

    The clock holds the id, not the incident: it may outlive the dispute by hours, and an
    incident held here could not be freed when it is archived. An archived dispute was
    closed, which happens only after a unit arrived, so it no longer escalates.
    """
    yield env.timeout(after)
    inc = log.get(inc_id)
    if inc is not None and math.isnan(inc.t_arrival):  # no unit on scene yet
        inc.escalated = True
        inc.priority = 1
        on_escalate(inc)
