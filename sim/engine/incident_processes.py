"""The SimPy processes that carry an incident from its call to its close.

Continuous time belongs to SimPy: a crime incident waits for its call, queues at the
dispatch centre, waits for the first unit to arrive (the movement kernel reports the exact
minute), then for the time on scene. A dispute also races its escalation clock: if no grid
worker or unit reaches it first, it turns into an assault. The processes tell the dispatch
centre and the incident log what happens, and hear back only through the incident's
``arrived`` event: news flows one way, incident -> dispatch -> units.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import simpy

from polsim.engine.dispatch import DispatchCentre
from polsim.engine.incident import GRID_WORKER, Incident
from polsim.engine.incident_log import IncidentLog


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
        inc.mediated(GRID_WORKER)
        yield env.timeout(mediation_min)
        log.close(inc, env.now)
        on_end(inc)
        return
    env.process(escalation_clock(env, log, inc.id, escalate_after, on_escalate))
    yield env.timeout(max(inc.t_call - env.now, 0.0))
    dispatch.enqueue(inc)
    yield inc.arrived
    if not inc.escalated:
        inc.mediated("police")
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
        inc.escalate()
        on_escalate(inc)
