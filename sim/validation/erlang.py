"""Case 3: the dispatch queue against Erlang C (M/M/c).

The scenario is reduced to an M/M/c queue: calls are disputes (Poisson counts per step,
with ``disputes.per_day = lam * 1440`` and a flat hourly profile), each called in after an
exponential delay and never escalating or mediated, so call times form a Poisson stream;
time on scene is exponential with mean ``1/mu``; ``c`` identical units; and
``dispatch.instant_travel`` puts a dispatched unit on scene at once, so a unit is busy for
exactly the time on scene. The wait is call to dispatch (``t_dispatch - t_call``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from polsim.engine.threads import numba_threads
from polsim.validation.queueing import CRITICAL_T, batch_means, erlang_c, erlang_c_mean_wait

STEP_MIN = 0.5
"""Step length (minutes). Disputes appear at step boundaries; the call delay spreads them."""
CALL_DELAY_MIN = 5.0
"""Mean call delay: ten steps. Disputes drawn at step boundaries and each delayed by an
exponential form a Poisson stream whose intensity ripples by < 11% within a step, a period
10-20 times shorter than a service time, so the queue sees the average rate."""


def mmc_overrides(lam: float, mu: float, c: int, minutes: float) -> dict:
    """Scenario overrides that reduce the default scenario to an M/M/c queue."""
    return {
        "time.step_minutes": STEP_MIN,
        "time.days": minutes / 1440.0,
        "city.rows": 8, "city.cols": 8, "city.cameras": 0, "city.workstations": 1,
        "city.footfall_by_hour": [1.0] * 24,
        "offenders.count": 0,
        "guardians.grid_workers_per_grid": 0, "guardians.volunteers": 0,
        "disputes.per_day": lam * 1440.0,
        "disputes.report_delay_min": CALL_DELAY_MIN,
        "disputes.on_scene_min": 1.0 / mu,
        "disputes.escalate_after_min": 1e12,
        "disputes.grid_worker_mediates": 0.0,
        "units": {"car": {"kind": "patrol_car", "count": c, "patrol": "stay"}},
        "dispatch.instant_travel": True,
        "dispatch.backup_units": 0,
    }


@dataclass(frozen=True)
class MMCResult:
    """Simulated and Erlang C values for one (lam, mu, c)."""

    lam: float
    mu: float
    c: int
    calls: int
    p_wait: float
    p_wait_se: float
    p_wait_erlang: float
    mean_wait: float
    mean_wait_se: float
    mean_wait_erlang: float
    busy_error: float

    @property
    def load(self) -> float:
        """Utilisation rho = lam / (c mu)."""
        return self.lam / (self.c * self.mu)

    def within(self, z: float = CRITICAL_T) -> bool:
        """Both measures within ``z`` standard errors of Erlang C."""
        return (abs(self.p_wait - self.p_wait_erlang) <= z * self.p_wait_se
                and abs(self.mean_wait - self.mean_wait_erlang) <= z * self.mean_wait_se)


def simulate_mmc(lam: float, mu: float, c: int, minutes: float, seed: int = 1,
                 warmup: float = 0.1) -> MMCResult:
    """Run the reduced scenario and compare waits with Erlang C (conservative batch-means errors)."""
    from polsim.model import PolicingModel

    with numba_threads(1):
        model = PolicingModel("default", overrides=mmc_overrides(lam, mu, c, minutes), seed=seed)
        model.run()
    inc = [i for i in model.incident_list() if i.t_call == i.t_call]
    inc.sort(key=lambda i: i.t_call)
    lo, hi = warmup * minutes, minutes - 20.0 / (c * mu - lam) - 10.0 / mu
    kept = [i for i in inc if lo <= i.t_call <= hi]
    if any(i.t_dispatch != i.t_dispatch for i in kept):
        raise RuntimeError("a call inside the measured window was never dispatched")
    waits = np.array([i.t_dispatch - i.t_call for i in kept])
    served = [i for i in inc if i.t_close == i.t_close]
    # Zero travel: a unit is busy from dispatch to close for exactly the drawn time on scene.
    busy = float(max(abs(i.t_close - i.t_dispatch - i.on_scene_min) for i in served))
    p, p_se = batch_means((waits > 1e-9).astype(float).tolist())
    w, w_se = batch_means(waits.tolist())
    return MMCResult(lam, mu, c, len(kept), p, p_se, erlang_c(lam, mu, c), w, w_se,
                     erlang_c_mean_wait(lam, mu, c), busy)
