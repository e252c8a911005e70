"""How many runs a study can take and how long, estimated before it starts, and the limits.

The search runs at most ``replications`` runs of each new candidate and of each survivor a
generation (a candidate stops at ``max_replications``), so ``generations x (offspring +
population) x replications`` bounds its runs; the final re-run adds ``final_replications`` for
each Pareto point (at most the population) and the shipped deployment. A run's time is the
sweeps' estimate (:mod:`polsim.experiments.sweep.estimate`) on the largest deployment in the bounds.
The memory the study itself keeps grows with its runs (a row of metrics each) and its history
(a row per candidate per generation); the runs' own models are bounded by ``polsim run``'s budget
on each worker.
"""

from __future__ import annotations

from polsim.experiments.optimise.spec import OptimiseSpec
from polsim.experiments.sweep.estimate import MAX_HOURS, Estimate, KeptEstimate
from polsim.experiments.sweep.spec import MAX_RUNS

ROW_BYTES = 2_000
"""What the study keeps of one run (its metrics in the cache, its key and seed), generously."""
MEMBER_BYTES = 500
"""What the history keeps of one candidate in one generation."""


def most_runs(spec: OptimiseSpec) -> int:
    """An upper bound of the study's runs (search and final re-run)."""
    search = spec.generations * (spec.n_offspring + spec.population) * spec.replications
    return search + (spec.population + 1) * spec.final_replications


def estimate_study(spec: OptimiseSpec) -> KeptEstimate:
    """The study's estimate, on the largest deployment within the bounds."""
    from polsim.model import PolicingModel

    overrides = dict(spec.base_overrides())
    for name, uv in spec.variables.units.items():
        if uv.count:
            overrides[f"units.{name}.count"] = max(uv.count)
    model = PolicingModel(spec.scenario, overrides=overrides, seed=0, backend=spec.backend)
    steps = spec.steps if spec.steps is not None else model.max_steps
    agents = len(model.offenders) + len(model.units) + len(model.guardians)
    runs = most_runs(spec)
    one = Estimate(runs, steps, agents, model.city.rows * model.city.cols, spec.backend)
    memory = runs * ROW_BYTES + spec.generations * (spec.population + spec.n_offspring) * MEMBER_BYTES
    return KeptEstimate(one, memory, "kept by the study")


def check_study(est: KeptEstimate, file: str, max_hours: float = MAX_HOURS, max_runs: int = MAX_RUNS,
                memory_bytes: int | None = None) -> None:
    """Refuse a study above the run, worker-hour or memory limits (ValueError naming the spec file)."""
    fix = "lower generations, population, offspring or replications, or shorten days or steps"
    if est.runs > max_runs:
        raise ValueError(f"{file}: the study could take up to {est.runs:,} runs, above the limit of "
                         f"{max_runs:,}; {fix}")
    if est.worker_hours > max_hours:
        raise ValueError(f"{file}: the study could take about {est.worker_hours:,.3g} worker-hours "
                         f"({est.describe()}), above the limit of {max_hours:g}; {fix}, or raise --max-hours")
    if memory_bytes is not None and est.kept_bytes > memory_bytes:
        raise ValueError(f"{file}: the study would keep about {est.kept_bytes / 2**30:.3g} GiB, more than the "
                         f"{memory_bytes / 2**30:.3g} GiB available; {fix}")
