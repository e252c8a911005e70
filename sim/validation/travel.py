"""Case 3 with travel: one unit, calls uniform on a square, the unit returning to base.

The reduced scenario of the Erlang C case with travel switched on: one patrol car based on a
``side`` x ``side`` square of cells (uniform land use, no blocked cells, every road factor 1,
flat traffic, so it covers ``speed`` cells a minute), calls at cells drawn uniformly, and
``dispatch.return_to_base``: after each job the car drives home and takes the next call only
there. Each job then occupies the car for S = D/v + X + D/v (out, on scene, back), with D
the network distance from base to the call (on a uniform lattice of 8 neighbours, the octile
distance: a diagonal cell costs sqrt 2) and X the exponential time on scene; jobs are
independent, so the queue is M/G/1 and the mean wait is Pollaczek-Khinchine's. The mean
response (call to arrival) is that wait plus E[D]/v.

One engine detail enters the closed form: units move in steps of ``dt``, so a leg that starts
inside a step (dispatch at a call, the drive home at the close) begins at the next step's
start, a delay uniform on (0, dt). Arrivals are timed exactly within the step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from polsim.engine.threads import numba_threads
from polsim.validation.erlang import mmc_overrides
from polsim.validation.queueing import CRITICAL_T, batch_means, ideal_mg1_waits, pollaczek_khinchine_wait

SIDE, SPEED_CELLS_MIN, ON_SCENE_MIN, STEP_MIN = 21, 2.0, 5.0, 0.25
"""The square's side (cells), the car's speed (cells per minute: 100 m cells at 12 km/h),
mean time on scene (minutes), step length (minutes)."""


def octile(dr, dc):
    """The network distance of a move (dr, dc) on a uniform lattice of 8 neighbours."""
    adr, adc = np.abs(dr), np.abs(dc)
    return np.maximum(adr, adc) + (np.sqrt(2.0) - 1.0) * np.minimum(adr, adc)


def distance_moments(n: int, base: tuple[int, int]) -> tuple[float, float]:
    """E[D] and E[D^2] of the octile distance from ``base`` to a cell uniform on the n x n
    square (exactly: the mean over its n^2 cells).
    """
    rr, cc = np.indices((n, n))
    d = octile(rr - base[0], cc - base[1])
    return float(d.mean()), float((d * d).mean())


@dataclass(frozen=True)
class TravelExpectation:
    """The closed form: service moments, P-K wait and mean response."""

    lam: float
    mean_distance: float
    service_mean: float
    service_second: float

    @property
    def load(self) -> float:
        """Rho = lam E[S]."""
        return self.lam * self.service_mean

    @property
    def wait(self) -> float:
        """Pollaczek-Khinchine mean wait in queue."""
        return pollaczek_khinchine_wait(self.lam, self.service_mean, self.service_second)


def expectation(lam: float, n: int, base: tuple[int, int], speed: float, on_scene: float,
                dt: float) -> TravelExpectation:
    """Closed form for S = d1 + D/v + X + d2 + D/v, d1 and d2 uniform on (0, dt), X ~ Exp(on_scene)."""
    d1, d2 = distance_moments(n, base)
    t1, t2 = 2.0 * d1 / speed, 4.0 * d2 / speed ** 2  # out and back: 2D/v
    x1, x2 = on_scene, 2.0 * on_scene ** 2
    e1, e2 = dt, dt * dt * 7.0 / 6.0  # two independent U(0, dt): mean dt, E[(d1 + d2)^2] = 7 dt^2 / 6
    s1 = t1 + x1 + e1
    s2 = t2 + x2 + e2 + 2.0 * (t1 * x1 + t1 * e1 + x1 * e1)
    return TravelExpectation(lam, d1 / speed, s1, s2)


def sample_service(rng: np.random.Generator, size: int, n: int, base: tuple[int, int], speed: float,
                   on_scene: float, dt: float) -> np.ndarray:
    """Draws of the service time whose moments :func:`expectation` computes (same arguments).

    S = d1 + D/v + X + d2 + D/v: D the octile distance from ``base`` to a cell uniform on the n x n
    square, X ~ Exp(mean ``on_scene``), d1 and d2 the two step-start delays uniform on (0, dt).
    The service of the ideal M/G/1 queue the case's check is calibrated on.
    """
    d = octile(rng.integers(0, n, size) - base[0], rng.integers(0, n, size) - base[1])
    return 2.0 * d / speed + rng.exponential(on_scene, size) + rng.uniform(0.0, dt, size) + rng.uniform(0.0, dt, size)


def model_base(lam: float = 0.03, minutes: float = 1000.0, seed: int = 1) -> tuple[int, int]:
    """The car's base cell as polsim places it in :func:`travel_overrides`' scenario (not run)."""
    from polsim.model import PolicingModel

    u = PolicingModel("default", overrides=travel_overrides(lam, minutes), seed=seed).units
    return int(u.base_r[0]), int(u.base_c[0])


def ideal_waits(lam: float, minutes: float, rng: np.random.Generator, base: tuple[int, int],
                warmup: float = 0.1) -> tuple[np.ndarray, TravelExpectation]:
    """Waits of the ideal M/G/1 version of this case (``simulate_travel``'s window) and its closed form."""
    exp = expectation(lam, SIDE, base, SPEED_CELLS_MIN, ON_SCENE_MIN, STEP_MIN)

    def service(r: np.random.Generator, size: int) -> np.ndarray:
        return sample_service(r, size, SIDE, base, SPEED_CELLS_MIN, ON_SCENE_MIN, STEP_MIN)

    return ideal_mg1_waits(lam, service, exp.service_mean, minutes, rng, warmup), exp


def travel_overrides(lam: float, minutes: float) -> dict:
    """The Erlang C scenario with one car, travel on, return to base, a uniform square."""
    over = mmc_overrides(lam, 1.0 / ON_SCENE_MIN, 1, minutes)
    over.update({
        "time.step_minutes": STEP_MIN,
        "city.rows": SIDE, "city.cols": SIDE, "city.land_use": {"residential": 1.0},
        "city.arterial_kmh": 40.0, "city.street_kmh": 40.0, "city.congestion_by_hour": [1.0] * 24,
        "units": {"car": {"kind": "patrol_car", "count": 1, "patrol": "stay",
                          "speed_kmh": SPEED_CELLS_MIN * 6.0}},  # 100 m cells: 1 cell/min = 6 km/h
        "dispatch.instant_travel": False, "dispatch.return_to_base": True,
    })
    return over


@dataclass(frozen=True)
class TravelResult:
    """Simulated waits and responses against the closed form for one call rate."""

    expected: TravelExpectation
    calls: int
    wait: float
    wait_se: float
    response: float
    response_se: float

    @property
    def response_expected(self) -> float:
        """P-K wait + mean start delay dt/2 + E[D]/v."""
        return self.expected.wait + STEP_MIN / 2.0 + self.expected.mean_distance

    def within(self, z: float = CRITICAL_T) -> bool:
        """Mean wait and mean response within ``z`` standard errors of the closed form."""
        return (abs(self.wait - self.expected.wait) <= z * self.wait_se
                and abs(self.response - self.response_expected) <= z * self.response_se)


def simulate_travel(lam: float, minutes: float, seed: int = 1, warmup: float = 0.1) -> TravelResult:
    """Run the reduced scenario and compare mean wait and response with the closed form."""
    from polsim.model import PolicingModel

    with numba_threads(1):
        model = PolicingModel("default", overrides=travel_overrides(lam, minutes), seed=seed)
        u = model.units
        base = (int(u.base_r[0]), int(u.base_c[0]))
        model.run()
    exp = expectation(lam, SIDE, base, SPEED_CELLS_MIN, ON_SCENE_MIN, STEP_MIN)
    inc = sorted((i for i in model.incident_list() if i.t_call == i.t_call), key=lambda i: i.t_call)
    hi = minutes - 20.0 * exp.service_mean / (1.0 - exp.load)
    kept = [i for i in inc if warmup * minutes <= i.t_call <= hi]
    if any(i.t_arrival != i.t_arrival for i in kept):
        raise RuntimeError("a call inside the measured window was never reached")
    w, w_se = batch_means([i.t_dispatch - i.t_call for i in kept])
    r, r_se = batch_means([i.t_arrival - i.t_call for i in kept])
    return TravelResult(exp, len(kept), w, w_se, r, r_se)
