"""How long and how large a calibration or a back-test is, estimated before its first run.

Its runs are ``rounds x replications`` (a back-test: one round) of ``warmup + days`` simulated
days each; a run's time is the sweeps' estimate (:mod:`polsim.experiments.sweep.estimate`) from the
scenario's steps, agents and cells. What the command keeps of each run in this process is its
crime counts by type and cell (8 bytes each) and its response times, so a round's memory grows
with the replications and the city.
"""

from __future__ import annotations

from polsim.data.errors import DataError
from polsim.experiments.sweep.estimate import MAX_HOURS, Estimate, KeptEstimate

RESPONSE_BYTES = 200_000
"""What a run's response, dispatch and travel times take (a few thousand calls of 8 bytes, three times)."""


def estimate_runs(scenario: str, rounds: int, replications: int, days: float, warmup_days: float) -> KeptEstimate:
    """The estimate of ``rounds`` rounds of ``replications`` runs of ``scenario``."""
    from polsim.model import PolicingModel

    model = PolicingModel(scenario, overrides={"time.days": days + warmup_days}, seed=0)
    agents = len(model.offenders) + len(model.units) + len(model.guardians)
    cells = model.city.rows * model.city.cols
    runs = rounds * replications
    kept = replications * (len(model.spec.crimes) * cells * 8 + RESPONSE_BYTES)
    return KeptEstimate(Estimate(runs, model.max_steps, agents, cells), kept, "kept a round")


def check_runs(est: KeptEstimate, command: str, memory_bytes: int | None, max_hours: float = MAX_HOURS) -> None:
    """Refuse runs above ``max_hours`` worker-hours or a round that would not fit in memory."""
    fix = "lower --replications or --rounds, or shorten --days"
    if est.worker_hours > max_hours:
        raise DataError(command, "", f"the runs could take about {est.worker_hours:,.3g} worker-hours "
                        f"({est.describe()}), above the limit of {max_hours:g}; {fix}")
    if memory_bytes is not None and est.kept_bytes > memory_bytes:
        raise DataError(command, "", f"a round would keep about {est.kept_bytes / 2**30:.3g} GiB, more than the "
                        f"{memory_bytes / 2**30:.3g} GiB available; {fix}")
