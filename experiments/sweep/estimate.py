"""How long a sweep would take, estimated before it starts, and the limit it must stay under.

A run's time is estimated from its steps, agents and cells: ``STEP_SECONDS + AGENT_STEP_SECONDS
x agents + CELL_STEP_SECONDS x cells`` a step on one Numba thread, as a sweep worker runs it.
The constants were fitted on the idle 2-core development machine against ``polsim bench`` and
the times of sweep tasks (docs/performance.md has the fit); a faster machine finishes sooner, a
busy one later. The agents and cells are counted on the models the sweep
would build: the spec's fixed values alone, and with each parameter at its largest value,
and the slowest of them is taken for every run, so a sweep over sizes is not underestimated.
"""

from __future__ import annotations

from dataclasses import dataclass

from polsim.experiments.sweep.spec import SweepSpec
from polsim.model import PolicingModel

STEP_SECONDS = 2e-4
"""Seconds a step costs whatever the size (incidents, dispatch, Python around the kernels)."""
AGENT_STEP_SECONDS = {"numba": 1e-7, "mesa": 1.5e-6}
"""Seconds a step costs per agent (offender, unit or guardian), by backend."""
CELL_STEP_SECONDS = 1e-8
"""Seconds a step costs per cell (the attractiveness field, presence rasters)."""
MAX_HOURS = 100.0
"""The most worker-hours a sweep may take unless the user raises it (``polsim sweep --max-hours``)."""


@dataclass(frozen=True)
class Estimate:
    """A sweep's size and estimated time: the slowest run's steps, agents and cells, and the total."""

    runs: int
    steps: int
    agents: int
    cells: int
    backend: str = "numba"

    @property
    def run_seconds(self) -> float:
        """Estimated seconds of one run on one worker."""
        per_agent = AGENT_STEP_SECONDS[self.backend]
        return self.steps * (STEP_SECONDS + per_agent * self.agents + CELL_STEP_SECONDS * self.cells)

    @property
    def worker_hours(self) -> float:
        """Estimated hours of every run together, on one worker (divide by the workers for wall time)."""
        return self.runs * self.run_seconds / 3600

    def describe(self, workers: int | None = None) -> str:
        """One line: runs, time per run and in all (on ``workers`` when known)."""
        wall = "" if not workers else f", about {_duration(self.worker_hours * 3600 / workers)} on {workers} workers"
        return (f"{self.runs:,} runs of about {_duration(self.run_seconds)} each ({self.steps:,} steps, "
                f"{self.agents:,} agents, {self.cells:,} cells): {self.worker_hours:.3g} worker-hours{wall}")


@dataclass(frozen=True)
class KeptEstimate:
    """A command's runs (``run``: their estimate) and the bytes it keeps of them at once
    (``kept_what`` says which: a study's cache and history, a calibration round's maps).
    """

    run: Estimate
    kept_bytes: int
    kept_what: str

    @property
    def runs(self) -> int:
        """The most runs the command can take."""
        return self.run.runs

    @property
    def worker_hours(self) -> float:
        """Hours of every run together on one worker."""
        return self.run.worker_hours

    def describe(self) -> str:
        """One line for the terminal."""
        return (f"at most {self.runs:,} runs of about {self.run.run_seconds:.2g} s each "
                f"({self.worker_hours:.3g} worker-hours), {self.kept_bytes / 2**20:.3g} MiB {self.kept_what}")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.2g} s"
    return f"{seconds / 60:.3g} min" if seconds < 7200 else f"{seconds / 3600:.3g} h"


def _largest(values: list) -> object | None:
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return max(numbers) if numbers else None


def candidate_points(spec: SweepSpec) -> list[dict]:
    """The points whose runs bound the sweep's run time: none varied, then each parameter at its largest."""
    points: list[dict] = [{}]
    for name, p in spec.parameters.items():
        top = _largest(p.values) if p.values else (int(p.high) if p.integer else p.high)
        if top is not None:
            points.append({name: top})
    return points


def estimate(spec: SweepSpec) -> Estimate:
    """The sweep's runs and the slowest of its candidate runs (see :func:`candidate_points`)."""
    slowest = None
    for point in candidate_points(spec):
        model = PolicingModel(spec.scenario, overrides=spec.overrides(point), seed=0, backend=spec.backend)
        steps = spec.steps if spec.steps is not None else model.max_steps
        agents = len(model.offenders) + len(model.units) + len(model.guardians)
        one = Estimate(spec.run_count, steps, agents, model.city.rows * model.city.cols, spec.backend)
        if slowest is None or one.run_seconds > slowest.run_seconds:
            slowest = one
    return slowest


def check_estimate(est: Estimate, max_hours: float, file: str) -> None:
    """Refuse a sweep estimated above ``max_hours`` worker-hours (ValueError naming the spec file)."""
    if est.worker_hours > max_hours:
        raise ValueError(f"{file}: the sweep would take about {est.worker_hours:,.3g} worker-hours ({est.runs:,} runs "
                         f"of about {_duration(est.run_seconds)} each), above the limit of {max_hours:g}; shorten "
                         "days or steps, run fewer points or replications, or raise the limit with --max-hours")
