"""PolicingModel: the mesa.Model that ties city, people, incidents, dispatch and policy together.

One step (``step_minutes`` of simulated time) runs, in this fixed order:

0. every ``SORT_EVERY`` steps the offender rows are re-sorted by cell (speed only);
1. shifts change and the policy re-plans and hands idle units patrol targets;
2. presence rasters are stamped from where units and guardians stand, and the walk weights
   (attractiveness discounted by police risk) are computed from them;
3. offenders act (arrests, crimes, walks) against those rasters;
4. new crimes and disputes become incidents (SimPy processes);
5. units and guardians move; arrivals are scheduled at their exact minute;
6. the SimPy environment runs to the end of the step (calls, dispatch, service), and the
   incidents closed during it move from live objects into the incident log's columns;
7. the attractiveness field absorbs this step's crimes.

The order, and drawing every random number from named streams in bulk, is what lets the
``mesa`` and ``numba`` backends give identical results for a seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mesa
import numpy as np
import simpy

from polsim.backends import BACKENDS
from polsim.budget import check as check_budget
from polsim.city import City, city_for
from polsim.detection import N_DRAWS, SERVICE_DRAW, detect, exponential
from polsim.dispatch import BUSY_STATES, DISPATCHED, OFF_SHIFT, PATROLLING, RETURNING, DispatchCentre
from polsim.incident import Incident, crime_life, dispute_life
from polsim.incident_log import CHUNK_ROWS, IncidentLog
from polsim.metrics import RESPONSE_COLUMNS, SUMMARY_COLUMNS, RunMetrics, incident_rows, response_times
from polsim.policies import Policy, make_policy
from polsim.population import Guardians, Offenders, Units
from polsim.presence import Presence
from polsim.rules import offender as off
from polsim.rules.field import decay_factor, update_field
from polsim.rules.offender import FLEEING, INACTIVE
from polsim.scenario import LAND_USES, PolicingScenario, load_scenario
from polsim.streams import Streams

DEFAULT_SCENARIO = "default"

SORT_EVERY = 64
"""Steps between re-sorts of the offender rows by cell (offenders move about a cell a step)."""


class PolicingModel(mesa.Model):
    """A multi-agent policing simulation of one scenario under one deployment policy.

    Args:
        scenario: a scenario file, a shipped scenario name, or a loaded ``PolicingScenario``.
        policy: a built-in policy name, ``package.module:Class``, or a ``Policy`` instance.
        backend: ``"numba"`` (compiled loops, the default) or ``"mesa"`` (one agent per row).
        overrides: ``{"dotted.field": value}`` applied to the scenario before validation.
        seed: the run seed (also accepted as ``rng``, the name ``mesa.batch_run`` passes).
        dispatch: ``"avl"`` or ``"zone"`` to override the scenario's dispatch rule.
    """

    def __init__(self, scenario: str | Path | PolicingScenario = DEFAULT_SCENARIO,
                 policy: str | Policy = "random", backend: str = "numba", *,
                 overrides: dict[str, Any] | None = None, rng: int | None = None,
                 dispatch: str | None = None, **kwargs: Any) -> None:
        # ``seed`` travels in kwargs rather than the signature: mesa.batch_run overwrites the
        # parameter named ``seed`` (when the signature has one) with its own rng value.
        seed = kwargs.pop("seed", None)
        if kwargs:
            raise TypeError(f"unexpected arguments: {', '.join(kwargs)}")
        seed = rng if seed is None else seed
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        if not isinstance(scenario, PolicingScenario):
            scenario = load_scenario(scenario, overrides, seed=seed)
        self.streams = Streams(seed if seed is not None else scenario.rng)
        scenario.rng = self.streams.seed
        super().__init__(scenario=scenario)
        self.seed = self.streams.seed
        self.spec = scenario.spec
        self.policy = make_policy(policy, dispatch)
        self.backend = BACKENDS[backend]()
        check_budget(self.spec, scenario.source)  # refuse what would not fit, before allocating
        self._build()

    # -- construction -------------------------------------------------------------------
    def _build(self) -> None:
        spec = self.spec
        self.dt = spec.time.step_minutes
        self.max_steps = int(round(spec.time.days * 1440 / self.dt))
        self.city: City = city_for(spec.city)
        place = self.streams.placement
        self.offenders = Offenders.place(self.city, spec.offenders.count, place)
        self.offenders.sort_by_cell(self.city.cols)
        self.offender_crime_t = np.zeros(len(self.offenders))
        self.units = Units.build(spec, self.city)
        self.guardians = Guardians.place(spec, self.city, place)
        self.env = simpy.Environment()
        self.presence = Presence(self)
        self.metrics = RunMetrics(self)
        self.dispatch = DispatchCentre(self)
        self.dispatch_rule = self.policy.dispatch or spec.dispatch.rule
        self.incidents = IncidentLog()
        self._build_field()
        self._build_crime_tables()
        self.shift = np.array([ut.shift for ut in self.units.types], np.int64).reshape(-1, 2)
        self._duty_by_hour: dict[tuple[int, int], np.ndarray] = {}
        self.policy.setup(self)
        self.backend.setup(self)
        self.step_args = SimpleNamespace()
        self._offender_params = self._build_offender_params()
        self._draw_buffers: dict[str, np.ndarray] = {}
        self.datacollector = mesa.DataCollector(model_reporters={
            "crimes": lambda m: m.metrics.step_crimes,
            "units_busy": lambda m: np.count_nonzero(m.units.in_state(BUSY_STATES)),
            "calls_waiting": lambda m: m.dispatch.calls_waiting,
            "offenders_fleeing": lambda m: np.count_nonzero(m.offenders.status == FLEEING),
        })

    def _build_field(self) -> None:
        f, city = self.spec.field, self.city
        weight = np.array([f.land_use_weight.get(lu, 1.0) for lu in LAND_USES])
        self.a0 = (f.a0_per_min * weight[city.land_use] * city.passable).astype(np.float64)
        self.b = np.zeros_like(self.a0)
        self._b_next = np.zeros_like(self.a0)
        self._walk_weight = np.zeros_like(self.a0)
        # the cells of this step's crimes, one entry a crime (the field update counts them)
        self._crime_r: list[int] = []
        self._crime_c: list[int] = []
        self.passable = city.passable.copy()
        self._decay = decay_factor(f.omega_per_min, self.dt)

    def _build_crime_tables(self) -> None:
        types = list(self.spec.crimes.values())
        w = np.array([[ct.weight * ct.affinity.get(lu, 1.0) for ct in types] for lu in LAND_USES])
        totals = w.sum(axis=1, keepdims=True)
        self.type_cdf = np.cumsum(np.divide(w, totals, out=np.zeros_like(w), where=totals > 0), axis=1)
        self.type_flees = np.array([ct.flees for ct in types])
        self.crime_names = list(self.spec.crimes)

    # -- clock ----------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated minutes since the start (the SimPy clock)."""
        return self.env.now

    @property
    def hour(self) -> int:
        """Hour of the day (0-23) at the current time."""
        return int(self.spec.time.start_hour + self.env.now // 60) % 24

    def on_duty(self) -> np.ndarray:
        """Units whose shift covers the current hour (a read-only mask).

        Shifts start and end on whole hours, so the answer only depends on the whole hours of
        the time of day and of that time plus 24 (both as computed here): it is built once for
        each pair and kept, rather than rebuilt every step.
        """
        hod = (self.spec.time.start_hour + self.env.now / 60.0) % 24
        key = (int(hod), int(hod + 24))
        duty = self._duty_by_hour.get(key)
        if duty is None:
            start, end = self.shift[self.units.type_idx, 0], self.shift[self.units.type_idx, 1]
            hour, next_day = key
            duty = ((hour >= start) & (hour < end)) | ((next_day >= start) & (next_day < end))
            duty.setflags(write=False)
            self._duty_by_hour[key] = duty
        return duty

    # -- the step -------------------------------------------------------------------------
    def step(self) -> None:
        """Advance the model by one step."""
        if self.steps % SORT_EVERY == 0:
            self._sort_offenders()
        on_duty = self._change_shifts()
        self.policy.on_step(self)
        self._give_patrol_targets(on_duty)
        self.presence.stamp(on_duty & (self.units.state != OFF_SHIFT))
        self._prepare_step_args()
        self.metrics.step_crimes = 0
        self.backend.step_offenders(self)
        self._handle_arrests()
        self._handle_crimes()
        self._spawn_disputes()
        self._births()
        self.backend.step_units(self)
        self._schedule_arrivals()
        self.backend.step_guardians(self)
        self._record_step(on_duty)
        self.env.run(until=self.env.now + self.dt)
        self.incidents.archive_closed()
        f = self.spec.field
        update_field(self.b, self._b_next, np.array(self._crime_r, np.int64),
                     np.array(self._crime_c, np.int64), self.passable, f.eta, self._decay,
                     f.theta, f.periodic)
        self._crime_r.clear()
        self._crime_c.clear()
        self.b, self._b_next = self._b_next, self.b
        if self.steps % self.spec.output.collect_every == 0:
            self.datacollector.collect(self)
        if self.steps >= self.max_steps:
            self.running = False

    def _prepare_step_args(self) -> None:
        """The argument tuples every backend hands the rules this step."""
        o, u, g, spec = self.offenders, self.units, self.guardians, self.spec
        params = self._offender_params
        params[off.P_HOUR_FACTOR] = spec.field.crime_by_hour[self.hour]
        off.walk_weights(self._walk_weight, self.a0, self.b, params[off.P_HOUR_FACTOR],
                         self.presence.risk, spec.offenders.risk_aversion, self.passable)
        draws = self._draws("offenders", (len(o), 4))
        self.step_args.offenders = (
            o.r, o.c, o.status, o.timer, o.origin_r, o.origin_c, o.home_r, o.home_c, o.crime,
            o.arrested, self.a0, self.b, self._walk_weight, self.presence.deterrence,
            self.presence.capture, self.passable, self.city.land_use, self.type_cdf,
            self.type_flees, params, draws)
        self.step_args.units = (
            u.r, u.c, u.tgt_r, u.tgt_c, u.credit, u.moving, u.arrive_frac, u.speed, u.sensitivity,
            u.flies, self.city.road_speed, self.city.congestion(self.hour), self.dt)
        self.step_args.guardians = (
            g.r, g.c, g.r0, g.r1, g.c0, g.c1, self.passable, self._draws("guardians", (len(g),)))

    def _build_offender_params(self) -> np.ndarray:
        """The offender rule's parameters; only the hour factor changes from step to step."""
        spec = self.spec
        params = np.zeros(off.N_PARAMS)
        params[off.P_DT] = self.dt
        params[off.P_CAPTURE] = spec.offenders.capture_probability
        params[off.P_FLEE_STEPS] = spec.offenders.flee_steps
        params[off.P_JAIL_STEPS] = round(spec.offenders.jail_days * 1440 / self.dt)
        params[off.P_FLEE_CELLS] = spec.offenders.flee_cells_per_step
        params[off.P_REMOVE_AFTER_CRIME] = float(spec.offenders.model == "short2008")
        params[off.P_PERIODIC] = float(spec.field.periodic)
        return params

    def _draws(self, stream: str, shape: tuple[int, ...]) -> np.ndarray:
        """This step's uniforms from ``stream``, written into a buffer kept from the last step
        (the same numbers as a fresh array; at city scale the allocation cost more than the draws)."""
        buf = self._draw_buffers.get(stream)
        if buf is None or buf.shape != shape:
            buf = self._draw_buffers[stream] = np.empty(shape)
        return getattr(self.streams, stream).random(out=buf)

    def _sort_offenders(self) -> None:
        """Keep offender rows in cell order (speed only: any order gives statistically the
        same run, and both backends re-sort at the same steps, so they stay identical)."""
        order = self.offenders.sort_by_cell(self.city.cols)
        self.offender_crime_t = self.offender_crime_t[order]
        self.backend.reorder_offenders(self, order)

    def _change_shifts(self) -> np.ndarray:
        """Idle units leave at the end of their shift and come back, at base, at its start."""
        u = self.units
        on_duty = self.on_duty()
        leaving = ~on_duty & u.in_state((PATROLLING, RETURNING))
        if leaving.any():
            u.state[leaving] = OFF_SHIFT
            u.moving[leaving] = False
            u.r[leaving], u.c[leaving] = u.base_r[leaving], u.base_c[leaving]
        coming = on_duty & (u.state == OFF_SHIFT)
        if coming.any():
            u.state[coming] = PATROLLING
        self.dispatch.dispatch_waiting()
        return on_duty

    def _give_patrol_targets(self, on_duty: np.ndarray) -> None:
        u = self.units
        need = np.flatnonzero(on_duty & u.in_state((PATROLLING, RETURNING)) & ~u.moving)
        if need.size == 0:
            return
        tr, tc = self.policy.patrol_targets(self, need, self.streams.patrol.random(need.size))
        u.tgt_r[need], u.tgt_c[need] = tr, tc
        u.moving[need] = True
        u.credit[need] = 0.0

    def _handle_arrests(self) -> None:
        now = self.env.now
        for i in np.flatnonzero(self.offenders.arrested):
            self.metrics.record_arrest(now - self.offender_crime_t[i])
            self.incidents.record_arrest(int(self.offenders.incident[i]), now)
            self.offenders.incident[i] = -1

    def _handle_crimes(self) -> None:
        """Record this step's crimes, build the detection of each, start reported incidents."""
        o = self.offenders
        who = np.flatnonzero(o.crime >= 0)
        if who.size == 0:
            return
        draws = self.streams.incidents.random((who.size, N_DRAWS))
        now = self.env.now
        for k, i in enumerate(who):
            t_idx = int(o.crime[i])
            r, c = int(o.r[i]), int(o.c[i])
            self.record_crime(t_idx, r, c)
            self.offender_crime_t[i] = now
            crime = self.spec.crimes[self.crime_names[t_idx]]
            found = detect(self, r, c, now, crime, draws[k])
            if found is None:
                continue
            inc = self._new_incident(self.crime_names[t_idx], crime.priority, r, c, now,
                                     exponential(crime.on_scene_min, draws[k, SERVICE_DRAW]),
                                     crime.serious, offender=int(o.id[i]))
            inc.detected_by, inc.t_detect, inc.t_call = found.detector, found.t_detect, found.t_call
            inc.on_view = found.on_view_unit >= 0
            o.incident[i] = inc.id
            self.env.process(crime_life(self.env, self, inc, found.on_view_unit))

    def record_crime(self, type_idx: int, r: int, c: int) -> None:
        """Count a crime and let it raise the attractiveness of its cell next step."""
        self.metrics.record_crime(type_idx, r, c, self.hour)
        self._crime_r.append(r)
        self._crime_c.append(c)

    def record_escalation(self, inc: Incident) -> None:
        """A dispute turned violent: an assault at its cell."""
        self.record_crime(self.crime_names.index("assault"), inc.r, inc.c)

    def _new_incident(self, kind: str, priority: int, r: int, c: int, t: float,
                      on_scene: float, serious: bool, offender: int = -1) -> Incident:
        inc = Incident(len(self.incidents), kind, priority, r, c, t, on_scene, serious, offender)
        inc.arrived = self.env.event()
        self.incidents.add(inc)
        return inc

    def _spawn_disputes(self) -> None:
        d = self.spec.disputes
        rng = self.streams.disputes
        rate = d.per_day / 1440.0 * self.dt * self.city.spec.footfall_by_hour[self.hour]
        n = rng.poisson(rate) if rate > 0 else 0
        if n == 0:
            return
        # disputes happen where people are: cells drawn in proportion to the footfall now
        cells = self.metrics.footfall_cdf(self.hour).searchsorted(rng.random(n), side="right")
        u = rng.random((n, 4))
        for cell, draw in zip(cells, u, strict=True):
            r, c = divmod(int(cell), self.city.cols)
            inc = self._new_incident("dispute", d.priority, r, c, self.env.now,
                                     exponential(d.on_scene_min, draw[0]), False)
            inc.t_detect = self.env.now
            inc.t_call = self.env.now + exponential(d.report_delay_min, draw[1])
            inc.detected_by = "victim"
            seen = self.presence.grid_workers[r, c] > 0 and draw[2] < d.grid_worker_mediates
            if seen:
                inc.detected_by = "grid_worker"
            self.env.process(dispute_life(self.env, self, inc, exponential(d.escalate_after_min, draw[3]),
                                          seen, d.mediation_min))

    def _births(self) -> None:
        """Short et al. (2008): new offenders appear at each cell at rate Gamma."""
        gamma = self.spec.offenders.short2008_birth_rate
        if self.spec.offenders.model != "short2008" or gamma <= 0:
            return
        rng = self.streams.births
        cells = np.flatnonzero(self.passable.ravel())
        n = rng.binomial(cells.size, min(1.0, gamma * self.dt))
        if n == 0:
            return
        o = self.offenders
        free = np.flatnonzero(o.status == INACTIVE)
        if free.size < n:
            start = len(o)
            o.grow(max(n - free.size, len(o) // 2 + 16))
            self.offender_crime_t = np.resize(self.offender_crime_t, len(o))
            self.backend.add_offenders(self, start)
            free = np.flatnonzero(o.status == INACTIVE)
        slots = free[:n]
        # n distinct cells: a Binomial count spread without replacement is exactly an
        # independent Bernoulli(Gamma dt) birth at every site, as in the paper.
        where = rng.choice(cells, size=n, replace=False)
        o.r[slots], o.c[slots] = where // self.city.cols, where % self.city.cols
        o.status[slots] = off.WALKING

    def _schedule_arrivals(self) -> None:
        u = self.units
        arriving = np.flatnonzero(u.arrive_frac >= 0)
        if arriving.size == 0:
            return
        state = u.state[arriving]
        for j in arriving[state == DISPATCHED]:
            inc = self.incidents.get(int(u.incident[j]))
            if inc is not None and inc.is_open:
                timer = self.env.timeout(float(u.arrive_frac[j]) * self.dt)
                timer.callbacks.append(lambda _e, j=int(j), inc=inc: self.dispatch.arrive(j, inc))
        for j in arriving[state == RETURNING]:
            # return_to_base: home at the exact minute within the step, then free again
            timer = self.env.timeout(float(u.arrive_frac[j]) * self.dt)
            timer.callbacks.append(lambda _e, j=int(j): self.dispatch.back_at_base(j))

    def _record_step(self, on_duty: np.ndarray) -> None:
        u = self.units
        working = on_duty | (u.state != OFF_SHIFT)
        self.metrics.record_step(np.count_nonzero(u.in_state(BUSY_STATES)), np.count_nonzero(working),
                                 self.dt, self.presence.police_sight, self.hour)

    # -- units ----------------------------------------------------------------------------
    def release_unit(self, unit: int) -> None:
        """A unit is done with its incident: back to patrol (or, with ``dispatch.return_to_base``,
        driving home, unavailable until there), or off duty if its shift is over."""
        u = self.units
        u.incident[unit] = -1
        u.moving[unit] = False
        u.state[unit] = PATROLLING if self.on_duty()[unit] else OFF_SHIFT
        if u.state[unit] == OFF_SHIFT:
            u.r[unit], u.c[unit] = u.base_r[unit], u.base_c[unit]
        elif self.spec.dispatch.return_to_base:
            u.state[unit] = RETURNING
            u.tgt_r[unit], u.tgt_c[unit] = u.base_r[unit], u.base_c[unit]
            u.moving[unit], u.credit[unit] = True, 0.0

    def unit_seeing(self, r: int, c: int) -> int:
        """The nearest on-duty unit whose sight covers (r, c), or -1."""
        if self.presence.police_sight[r, c] <= 0:
            return -1
        u = self.units
        d2 = (u.r - r) ** 2 + (u.c - c) ** 2
        sees = (d2 <= self.presence.unit_sight ** 2) & (u.state != OFF_SHIFT)
        if not sees.any():
            return -1
        return int(np.argmin(np.where(sees, d2, np.iinfo(np.int64).max)))

    # -- results --------------------------------------------------------------------------
    def run(self, steps: int | None = None, progress: bool = False) -> PolicingModel:
        """Run ``steps`` steps (default: to the scenario's end), optionally with a progress bar."""
        total = self.max_steps - self.steps if steps is None else steps
        if progress:
            from tqdm import tqdm

            for _ in tqdm(range(total), unit="step", desc=self.spec.name, leave=False):
                self.step()
        else:
            for _ in range(total):
                self.step()
        return self

    def summary(self) -> dict[str, Any]:
        """The headline numbers of the run so far (what ``summary.json`` holds)."""
        return {
            "scenario": self.spec.name,
            "policy": getattr(self.policy, "label", self.policy.name),
            "seed": self.seed,
            "backend": self.backend.name,
            "dispatch": self.dispatch_rule,
            "steps": int(self.steps),
            "sim_minutes": float(self.env.now),
            **self.metrics.summary(self.incidents.columns(SUMMARY_COLUMNS)),
        }

    def incident_table(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """One row per incident (ids ``start .. stop-1``, default all), closed or open, as
        columns (those of ``incidents.parquet``)."""
        return incident_rows(self, self.incidents.columns(start=start, stop=stop), first_id=start)

    def incident_tables(self, rows: int = CHUNK_ROWS) -> Iterator[dict[str, np.ndarray]]:
        """``incident_table`` in pieces of ``rows`` incidents (at least one, maybe empty), so
        a long run's table is written without being built whole in memory."""
        for start in range(0, max(len(self.incidents), 1), rows):
            yield self.incident_table(start, start + rows)

    def response_times(self) -> tuple[np.ndarray, int]:
        """Response times of the calls reached so far, and the number of calls (see
        :func:`polsim.metrics.response_times`)."""
        return response_times(self.incidents.columns(RESPONSE_COLUMNS), self.now)

    def incident_list(self) -> list[Incident]:
        """Every incident so far, closed or open, in order of id, as objects (closed ones rebuilt
        from the log's columns, without their units): for small runs; long runs read columns."""
        return self.incidents.objects()
