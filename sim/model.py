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
from typing import Any

import mesa
import numpy as np
import simpy

from polsim.cities.city import City
from polsim.cities.source import city_for
from polsim.engine.backends import BACKENDS, StepInputs
from polsim.engine.clock import Clock
from polsim.engine.collect import model_reporters
from polsim.engine.detection import N_DRAWS, SERVICE_DRAW, Detector, exponential
from polsim.engine.dispatch import DispatchCentre
from polsim.engine.field import AttractivenessField, CrimeMix
from polsim.engine.field_baseline import crime_field
from polsim.engine.guardians import Guardians
from polsim.engine.incident import Incident
from polsim.engine.incident_log import CHUNK_ROWS, IncidentLog
from polsim.engine.incident_processes import crime_life, dispute_life
from polsim.engine.mesa_reset import rerun_value, rerunnable
from polsim.engine.metrics import RESPONSE_COLUMNS, SUMMARY_COLUMNS, RunMetrics, incident_rows, response_times
from polsim.engine.offenders import Offenders
from polsim.engine.presence import Presence
from polsim.engine.router import PATROL_GREED, Router
from polsim.engine.settled_start import CrimeTables, SettledReport, settle
from polsim.engine.streams import Streams
from polsim.engine.units import BUSY_STATES, DISPATCHED, OFF_SHIFT, PATROLLING, RETURNING, Units
from polsim.policies import Policy, make_policy
from polsim.policies.view import PolicyView
from polsim.replay.feed import CallFeed, replay_scenario
from polsim.replay.records import CallTable
from polsim.rules.offender import INACTIVE, OffenderParams
from polsim.rules.travel import DRIVE, WALK
from polsim.scenario import PolicingScenario, ScenarioError, load_scenario
from polsim.scenario.budget import check as check_budget
from polsim.scenario.schema import ScenarioSpec

DEFAULT_SCENARIO = "default"

SORT_EVERY = 64
"""Steps between re-sorts of the offender rows by cell (offenders move about a cell a step)."""


class PolicingModel(mesa.Model):
    """A multi-agent policing simulation of one scenario under one deployment policy.

    Args:
        scenario: a scenario file, a shipped scenario name, or a loaded ``PolicingScenario``.
        policy: a built-in policy name, ``package.module:Class``, or a ``Policy`` instance
            (``None``: what the scenario's last model ran, see ``polsim.engine.mesa_reset``; else the
            scenario's own ``policy.name``; else random).
        backend: ``"numba"`` (compiled loops, the default) or ``"mesa"`` (one agent per row,
            each in its cell of ``model.grid``, Mesa's discrete space: ``polsim.engine.space``).
        overrides: ``{"dotted.field": value}`` applied to the scenario before validation.
        seed: the run seed, a keyword (also accepted as ``rng``, the name ``mesa.batch_run``
            passes it under; no argument here is a random generator).

    The dispatch rule is the scenario's ``dispatch.rule`` (``overrides={"dispatch.rule": "zone"}``).
    """

    def __init__(self, scenario: str | Path | PolicingScenario = DEFAULT_SCENARIO,
                 policy: str | Policy | None = None, backend: str | None = None, *,
                 overrides: dict[str, Any] | None = None, **kwargs: Any) -> None:
        # The seed travels in kwargs rather than the signature: mesa.batch_run passes it as
        # ``rng`` (or as ``seed`` when its parameters name one), an integer either way.
        seed, seed_from_batch_run = kwargs.pop("seed", None), kwargs.pop("rng", None)
        if "dispatch" in kwargs:
            raise TypeError("dispatch= is the scenario's field now: pass overrides={'dispatch.rule': "
                            f"{kwargs['dispatch']!r}}}")
        if kwargs:
            raise TypeError(f"unexpected arguments: {', '.join(kwargs)}")
        seed = seed_from_batch_run if seed is None else seed
        if not isinstance(scenario, PolicingScenario):
            scenario = load_scenario(scenario, overrides, seed=seed)
        elif not hasattr(scenario, "spec"):
            raise ValueError("scenario: a PolicingScenario without a spec; load one with polsim.scenario.load_scenario")
        # what was not given is what this scenario's last model ran (Mesa's SolaraViz Reset)
        policy = rerun_value(scenario, "policy", policy, None)
        backend = rerun_value(scenario, "backend", backend, "numba")
        seed = rerun_value(scenario, "seed", seed if seed is not None else scenario.rng, None)
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        self.streams = Streams(seed)
        scenario = rerunnable(scenario, policy=policy, backend=backend, seed=self.streams.seed)
        scenario.rng = self.streams.seed
        table = None
        if scenario.spec.calls.source:  # a replay: the record is the demand, its period the run
            scenario, table = replay_scenario(scenario, self.streams.calls)
        super().__init__(scenario=scenario)
        self.seed = self.streams.seed
        self.spec = scenario.spec
        if policy is None:  # the scenario's own policy.name (else random)
            self.policy = scenario_policy(scenario.spec, scenario.source)
        else:
            self.policy = make_policy(policy)
        self.backend = BACKENDS[backend]()
        check_budget(self.spec, scenario.source, calls=len(table or ()))  # refuse what would not fit
        self._build(table)

    # -- construction -------------------------------------------------------------------
    def _build(self, calls: CallTable | None = None) -> None:
        """Build the city, the people and the components, each from what it uses (``calls``: the
        recorded calls a replay hands to dispatch).
        """
        spec = self.spec
        self.dt = spec.time.step_minutes
        self.max_steps = int(round(spec.time.days * 1440 / self.dt))
        self.city: City = city_for(spec.city)
        place = self.streams.placement
        self.offenders = Offenders.place(self.city, spec.offenders.count, place)
        self.offenders.sort_by_cell(self.city.cols)
        self.units = Units.build(spec, self.city)
        self.guardians = Guardians.place(spec.guardians, self.city, place)
        self.env = simpy.Environment()
        self.clock = Clock(self.env, spec.time.start_hour)
        self.presence = Presence(self.city, self.units, self.guardians, spec.guardians, spec.deterrence)
        self.metrics = RunMetrics(list(spec.crimes), self.city)
        self.router = Router(self.city, self.units)
        self.dispatch = DispatchCentre(
            self.clock, self.units, self.router, self.city, spec.dispatch, spec.dispatch.rule,
            eligible=lambda inc, ok: self.policy.eligible_units(self.policy_view, inc, ok),
            zone_units=lambda inc: self.policy.zone_units(self.policy_view, inc))
        self.detector = Detector(spec.guardians, spec.dispatch.relay_min, self.city, self.presence, self.clock,
                                 can_take=lambda unit: bool(self.dispatch.available()[unit]))
        self.incidents = IncidentLog()
        self.calls = None if calls is None else CallFeed(self.env, calls, spec, self.dispatch, self.incidents,
                                                         self._new_incident, self._record_crime, self.streams.calls)
        baseline = crime_field(spec, self.city, self.scenario.source)
        self.field = AttractivenessField(spec.field, baseline.a0, self.city.passable, self.dt)
        self.crime_mix = CrimeMix.of(spec, baseline)
        self.settled = self._settle() if spec.offenders.start == "settled" else None
        # what the policy sees of the run and may ask for: it is never handed the model
        self.policy_view = PolicyView(spec.policy, self.city, self.units, self.clock, self.field, self.metrics,
                                      self.streams.policy, self.seed, self.dispatch, self.router, self.incidents)
        self.policy.setup(self.policy_view)
        self.backend.setup(self)
        self.step_args: StepInputs | None = None  # built at the start of every step
        self._offender_params = self._build_offender_params()
        self.datacollector = mesa.DataCollector(model_reporters=model_reporters(self.crime_mix.names))

    def _settle(self) -> SettledReport:
        """Start offenders and ``B`` in the rules' long-run state (:mod:`polsim.engine.settled_start`),
        drawn from the ``settling`` stream; the burn-in is not counted.
        """
        mix = self.crime_mix
        report = settle(self.offenders, self.field.a0, self.field.b, self.field.passable, self.spec.field,
                        CrimeTables(mix.type_label, mix.type_cdf, mix.flees), self._build_offender_params(),
                        self.spec.time.start_hour, self.streams.settling)
        self.offenders.sort_by_cell(self.city.cols)
        return report

    def _build_offender_params(self) -> OffenderParams:
        """The offender rule's parameters; only the hour factor changes from step to step."""
        o = self.spec.offenders
        return OffenderParams(
            dt=self.dt, hour_factor=0.0, capture_probability=o.capture_probability,
            flee_steps=o.flee_steps, jail_steps=round(o.jail_days * 1440 / self.dt),
            flee_cells=o.flee_cells_per_step, remove_after_crime=o.model == "short2008",
            periodic=self.spec.field.periodic)

    # -- clock ----------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated minutes since the start (the SimPy clock)."""
        return self.env.now

    @property
    def hour(self) -> int:
        """Hour of the day (0-23) at the current time."""
        return self.clock.hour

    def on_duty(self) -> np.ndarray:
        """Units whose shift covers the current hour (a read-only mask)."""
        return self.units.on_duty(self.clock.hour_of_day)

    @property
    def a0(self) -> np.ndarray:
        """The baseline attractiveness of every cell (``A0``, crimes per offender-minute)."""
        return self.field.a0

    @property
    def crime_names(self) -> list[str]:
        """The scenario's crime types, in the order of their codes."""
        return self.crime_mix.names

    @property
    def b(self) -> np.ndarray:
        """The dynamic attractiveness of every cell (``B``, Short et al. 2008)."""
        return self.field.b

    # -- the step -------------------------------------------------------------------------
    def step(self) -> None:
        """Advance the model by one step."""
        if self.steps % SORT_EVERY == 0:
            self._sort_offenders()
        on_duty = self._change_shifts()
        self.policy.on_step(self.policy_view)
        self._give_patrol_targets(on_duty)
        self.presence.stamp(on_duty & (self.units.state != OFF_SHIFT), self.policy.checkpoint_cells(self.policy_view))
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
        self.incidents.publish_opened()
        self.incidents.archive_closed()
        self.field.update()
        self.backend.end_step(self)
        if self.steps % self.spec.output.collect_every == 0:
            self.datacollector.collect(self)
        if self.steps >= self.max_steps:
            self.running = False

    def _prepare_step_args(self) -> None:
        """The step's :class:`~polsim.engine.backends.StepInputs`: what every backend hands the rules."""
        spec = self.spec
        params = self._offender_params = self._offender_params._replace(
            hour_factor=spec.field.crime_by_hour[self.hour])
        weight = self.field.update_walk_weights(params.hour_factor, self.presence.risk, spec.offenders.risk_aversion)
        mix = self.crime_mix
        offenders = self.offenders.rule_args(
            a0=self.field.a0, b=self.field.b, weight=weight, deterrence=self.presence.deterrence,
            capture=self.presence.capture, passable=self.field.passable, type_label=mix.type_label,
            type_cdf=mix.type_cdf, type_flees=mix.flees, params=params,
            draws=self.streams.uniforms("offenders", (len(self.offenders), 4)))
        units = self.units.movement_args(self.city.congestion(self.hour), self.router.w[DRIVE], self.router.w[WALK],
                                         self.city.cols, self.dt)
        guardians = self.guardians.movement_args(
            self.city.grid_id, self.field.passable, self.streams.uniforms("guardians", (len(self.guardians),)))
        self.step_args = StepInputs(offenders, units, guardians)

    def _sort_offenders(self) -> None:
        """Keep offender rows in cell order (speed only: any order gives statistically the
        same run, and both backends re-sort at the same steps, so they stay identical).
        """
        order = self.offenders.sort_by_cell(self.city.cols)
        self.backend.reorder_offenders(self, order)

    def _change_shifts(self) -> np.ndarray:
        """Idle units leave at the end of their shift and come back, at base, at its start."""
        on_duty = self.on_duty()
        self.units.change_shifts(on_duty)
        self.dispatch.dispatch_waiting()
        return on_duty

    def _give_patrol_targets(self, on_duty: np.ndarray) -> None:
        u = self.units
        need = np.flatnonzero(on_duty & u.in_state((PATROLLING, RETURNING)) & ~u.moving)
        if need.size == 0:
            return
        tr, tc = self.policy.patrol_targets(self.policy_view, need, self.streams.patrol.random(need.size))
        paths = self.router.routes(need, np.asarray(tr), np.asarray(tc), greed=PATROL_GREED)
        for j, r, c, path in zip(need.tolist(), tr.tolist(), tc.tolist(), paths, strict=True):
            u.patrol_to(j, r, c, path)

    def _handle_arrests(self) -> None:
        now = self.env.now
        for i in np.flatnonzero(self.offenders.arrested):
            incident, t_crime = self.offenders.arrested_now(int(i))
            self.metrics.record_arrest(now - t_crime)
            self.incidents.record_arrest(incident, now)

    def _handle_crimes(self) -> None:
        """Record this step's crimes, detect each, start the incidents that are reported."""
        o = self.offenders
        if self.calls is not None:
            self.calls.thin(o.crime)
        who = np.flatnonzero(o.crime >= 0)
        if who.size == 0:
            return
        draws = self.streams.incidents.random((who.size, N_DRAWS))
        now = self.env.now
        names = self.crime_mix.names
        for k, i in enumerate(who):
            t_idx = int(o.crime[i])
            r, c = int(o.r[i]), int(o.c[i])
            self._record_crime(t_idx, r, c)
            o.offended(int(i), now)
            crime = self.spec.crimes[names[t_idx]]
            found = self.detector.detect(r, c, now, crime, draws[k])
            if found is None:
                continue
            inc = self._new_incident(names[t_idx], crime.priority, r, c, now,
                                     exponential(crime.on_scene_min, draws[k, SERVICE_DRAW]),
                                     crime.serious, offender=int(o.id[i]))
            inc.detect(found.detector, found.t_detect, found.t_call, on_view=found.on_view_unit >= 0)
            o.reported(int(i), inc.id)
            self.env.process(crime_life(self.env, inc, self.dispatch, self.incidents, found.on_view_unit))

    def _record_crime(self, type_idx: int, r: int, c: int) -> None:
        """Count a crime and let it raise the attractiveness of its cell next step."""
        self.metrics.record_crime(type_idx, r, c, self.hour)
        self.field.add_crime(r, c)

    def _escalated(self, inc: Incident) -> None:
        """A dispute turned violent: an assault at its cell."""
        self._record_crime(self.crime_mix.names.index("assault"), inc.r, inc.c)

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
            seen = self.presence.grid_workers[r, c] > 0 and draw[2] < d.grid_worker_mediates
            inc.detect("grid_worker" if seen else "victim", self.env.now,
                       self.env.now + exponential(d.report_delay_min, draw[1]))
            self.env.process(dispute_life(
                self.env, inc, self.dispatch, self.incidents, escalate_after=exponential(d.escalate_after_min, draw[3]),
                mediated_by_grid_worker=seen, mediation_min=d.mediation_min, on_escalate=self._escalated,
                on_end=self.metrics.record_dispute))

    def _births(self) -> None:
        """Short et al. (2008): new offenders appear at each cell at rate Gamma."""
        gamma = self.spec.offenders.short2008_birth_rate
        if self.spec.offenders.model != "short2008" or gamma <= 0:
            return
        rng = self.streams.births
        cells = np.flatnonzero(self.field.passable.ravel())
        n = rng.binomial(cells.size, min(1.0, gamma * self.dt))
        if n == 0:
            return
        o = self.offenders
        free = np.flatnonzero(o.status == INACTIVE)
        if free.size < n:
            start = len(o)
            o.grow(max(n - free.size, len(o) // 2 + 16))
            self.backend.add_offenders(self, start)
            free = np.flatnonzero(o.status == INACTIVE)
        slots = free[:n]
        # n distinct cells: a Binomial count spread without replacement is exactly an
        # independent Bernoulli(Gamma dt) birth at every site, as in the paper.
        where = rng.choice(cells, size=n, replace=False)
        o.spawn(slots, where // self.city.cols, where % self.city.cols)

    def _schedule_arrivals(self) -> None:
        """Units that reached their target this step report it at the exact minute."""
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

    # -- results --------------------------------------------------------------------------
    def run(self, steps: int | None = None, progress: bool = False) -> PolicingModel:
        """Run ``steps`` steps (default: to the scenario's end), optionally with a progress bar."""
        total = self.max_steps - self.steps if steps is None else steps
        if progress:
            from tqdm import tqdm

            desc = self.spec.name if self.calls is None else f"{self.spec.name} (replay)"
            for _ in tqdm(range(total), unit="step", desc=desc, leave=False):
                self.step()
        else:
            for _ in range(total):
                self.step()
        return self

    def summary(self) -> dict[str, Any]:
        """The headline numbers of the run so far (what ``summary.json`` holds); a replay's say
        what it replayed and set the record's dispatch and travel times beside its own.
        """
        out = {
            "scenario": self.spec.name,
            "policy": getattr(self.policy, "label", self.policy.name),
            "seed": self.seed,
            "backend": self.backend.name,
            "dispatch": self.spec.dispatch.rule,
            "steps": int(self.steps),
            "sim_minutes": float(self.env.now),
            **self.metrics.summary(self.incidents.columns(SUMMARY_COLUMNS), self.now),
            # only settled runs say how they started: a homes run's summary is as it always was
            **({"start": self.settled.as_dict()} if self.settled is not None else {}),
        }
        if self.calls is not None:
            times = self.incidents.columns(("t_call", "t_dispatch", "t_arrival"))
            out["replay"] = {**self.calls.describe(), "recorded_vs_simulated": self.calls.side_by_side(times)}
        return out

    def incident_table(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """One row per incident (ids ``start .. stop-1``, default all), closed or open, as
        columns (those of ``incidents.parquet``).
        """
        rows = incident_rows(self.incidents.columns(start=start, stop=stop), self.now, self.city.grid_codes_at,
                             first_id=start)
        if self.calls is not None:
            rows["record_id"] = self.calls.record_ids(start, start + rows["id"].size)
        return rows

    def incident_tables(self, rows: int = CHUNK_ROWS) -> Iterator[dict[str, np.ndarray]]:
        """``incident_table`` in pieces of ``rows`` incidents (at least one, maybe empty), so
        a long run's table is written without being built whole in memory.
        """
        for start in range(0, max(len(self.incidents), 1), rows):
            yield self.incident_table(start, start + rows)

    def response_times(self) -> tuple[np.ndarray, int]:
        """Response times of the calls reached so far, and the number of calls (see
        :func:`polsim.engine.metrics.response_times`).
        """
        return response_times(self.incidents.columns(RESPONSE_COLUMNS), self.now)

    def incident_list(self) -> list[Incident]:
        """Every incident so far, closed or open, in order of id, as objects (closed ones rebuilt
        from the log's columns, without their units): for small runs; long runs read columns.
        """
        return self.incidents.objects()


DEFAULT_POLICY = "random"
"""The policy of a scenario that names none, when none is given."""


def policy_name(spec: ScenarioSpec) -> str:
    """The policy a scenario names (``policy.name``), or the default."""
    return spec.policy.name or DEFAULT_POLICY


def scenario_policy(spec: ScenarioSpec, source: str) -> Policy:
    """The scenario's own policy; a name that is no shipped policy is the scenario's one-line error."""
    try:
        return make_policy(policy_name(spec))
    except ValueError as err:
        raise ScenarioError(source, "policy.name", str(err)) from None
