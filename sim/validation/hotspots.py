"""Case 1: stationary hotspots of Short, D'Orsogna, Pasour, Tita, Brantingham, Bertozzi and
Chayes (2008), "A statistical model of criminal behavior", M3AS 18, 1249-1267.

The engine runs the paper's discrete model (``offenders.model = "short2008"``): a periodic
lattice, A = A0 + B uniform A0 (every cell residential with weight 1, flat hourly profile,
no blocked cells), burglary with probability 1 - exp(-A dt), the burglar removed after a
burglary, otherwise a step to a neighbour with probability A_n / sum A, B updated by
[(1 - eta) B + eta/z sum B_n] (1 - omega dt) + theta E, and a Bernoulli(Gamma dt) birth at
every site. No police, guardians or deterrence. Dimensionless units: lattice spacing 1,
dt = 0.01 (``time.step_minutes``), rates "per minute" are per unit of dimensionless time.

The continuum limit's homogeneous state (B = theta Gamma / omega, n = Gamma / A) is
linearly unstable, and hotspots form, iff eta < eta_c with

    eta_c = (omega / A) * (sqrt(3 B / A) - 1)^2

(derived from the paper's continuum equations: the determinant of the linearised system,
eta x^2 + (eta A + omega - 3 omega B / A) x + omega A with x = D k^2, turns negative for
some k iff this holds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from polsim.engine.threads import numba_threads

OMEGA, A0, DT = 1.0 / 15.0, 1.0 / 30.0, 0.01
"""The paper's fixed parameters (its Figure 2): decay, baseline attractiveness, time step."""


@dataclass(frozen=True)
class Regime:
    """One of the paper's parameter sets and what the paper reports for it."""

    label: str
    eta: float
    theta: float
    gamma: float
    paper: str

    @property
    def b_bar(self) -> float:
        """Homogeneous equilibrium B = theta Gamma / omega."""
        return self.theta * self.gamma / OMEGA

    @property
    def a_bar(self) -> float:
        """Homogeneous equilibrium A = A0 + B."""
        return A0 + self.b_bar

    @property
    def eta_c(self) -> float:
        """Linear-stability threshold of the continuum limit: hotspots iff eta < eta_c."""
        root = math.sqrt(3.0 * self.b_bar / self.a_bar) - 1.0
        return OMEGA / self.a_bar * root * root if root > 0 else 0.0

    @property
    def unstable(self) -> bool:
        """The continuum theory predicts hotspots."""
        return self.eta < self.eta_c


FIGURE_2 = {"a": (0.2, 0.56, 0.019), "b": (0.2, 5.6, 0.002),
            "c": (0.03, 0.56, 0.019), "d": (0.03, 5.6, 0.002)}
"""The paper's Figure 2 parameter sets (eta, theta, Gamma) by panel. theta Gamma is 0.0106 or
0.0112, so B_bar = theta Gamma / omega is about 1/6 in every set; (b) and (d) have ten times
fewer, ten times more damaging burglars than (a) and (c)."""

HOMOGENEOUS = Regime("homogeneous", *FIGURE_2["a"], "spatially homogeneous (Fig. 2a)")
STATIONARY = Regime("stationary hotspots", *FIGURE_2["c"], "stationary hotspots (Fig. 2c)")
REGIMES = (HOMOGENEOUS, STATIONARY)


OTHER_CRIMES = ("pickpocketing", "robbery", "ebike_theft", "assault")
"""The default scenario's crime types besides burglary: given zero weight in ``short2008`` runs."""


def short2008_overrides(regime: Regime, size: int, t_end: float) -> dict:
    """Scenario overrides for the paper's discrete model on a ``size`` x ``size`` torus."""
    n_bar = regime.gamma / regime.a_bar
    return {
        "time.step_minutes": DT, "time.days": t_end / 1440.0,
        "city.rows": size, "city.cols": size, "city.cameras": 0, "city.workstations": 0,
        "city.land_use": {"residential": 1.0},
        "offenders.model": "short2008", "offenders.count": int(round(n_bar * size * size)),
        "offenders.short2008_birth_rate": regime.gamma, "offenders.risk_aversion": 0.0,
        "field.periodic": True, "field.a0_per_min": A0,
        "field.land_use_weight": {lu: 1.0 for lu in ("residential", "commercial", "market",
                                                     "school", "park", "transit")},
        "field.crime_by_hour": [1.0] * 24,
        "field.theta": regime.theta, "field.eta": regime.eta, "field.omega_per_min": OMEGA,
        # Scenario overrides merge into the default crime table: zero the other types' weight
        # so that every crime is an unreported burglary (the field counts all crimes alike).
        "crimes": {**{name: {"weight": 0.0} for name in OTHER_CRIMES},
                   "burglary": {"weight": 1.0, "report_probability": 0.0, "flees": False}},
        "disputes.per_day": 0.0, "units": {},
        "guardians.grid_workers_per_grid": 0, "guardians.volunteers": 0, "guardians.witness_rate": 0.0,
        "deterrence.enabled": False,
    }


def count_hotspots(b: np.ndarray, factor: float = 2.0) -> int:
    """Connected clusters of cells (periodic lattice) whose B exceeds ``factor`` x mean B."""
    hot = b > factor * b.mean()
    labels, n = ndimage.label(hot)
    if n == 0:
        return 0
    # Merge clusters that touch across the periodic edges.
    parent = list(range(n + 1))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b_ in ((labels[0, :], labels[-1, :]), (labels[:, 0], labels[:, -1])):
        for x, y in zip(a, b_, strict=True):
            if x and y:
                parent[find(int(x))] = find(int(y))
    return len({find(k) for k in range(1, n + 1)})


@dataclass
class HotspotRun:
    """Snapshots of B and the statistics of the last one."""

    regime: Regime
    size: int
    times: list[float] = field(default_factory=list)
    maps: list[np.ndarray] = field(default_factory=list)
    average: np.ndarray | None = None
    crimes: int = 0

    @property
    def final(self) -> np.ndarray:
        """B averaged over the last interval between snapshots (one sample per time unit).

        Averaging removes the spikes single burglaries leave (B jumps by theta), which come
        and go in the homogeneous regime; stationary hotspots survive it.
        """
        return self.average

    @property
    def max_over_mean(self) -> float:
        """Max / mean of time-averaged B: about 1 when homogeneous, large with hotspots."""
        return float(self.final.max() / self.final.mean())

    @property
    def hotspots(self) -> int:
        """Hotspots in time-averaged B (clusters above twice the mean)."""
        return count_hotspots(self.final)

    @property
    def mean_b(self) -> float:
        """Mean B at the end (compare with the equilibrium theta Gamma / omega)."""
        return float(self.final.mean())

    @property
    def persistence(self) -> float:
        """Share of the last snapshot's hot cells that were hot one snapshot earlier."""
        now = self.maps[-1] > 2 * self.maps[-1].mean()
        before = self.maps[-2] > 2 * self.maps[-2].mean()
        return float((now & before).sum() / max(now.sum(), 1))


def run_regime(regime: Regime, size: int = 128, times: tuple[float, ...] = (10, 50, 150, 300),
               seed: int = 1, backend: str = "numba", progress: bool = False) -> HotspotRun:
    """Run the paper's model and keep B at each of ``times`` (dimensionless)."""
    from polsim.model import PolicingModel

    out = HotspotRun(regime, size)
    with numba_threads(1):
        model = PolicingModel("default", backend=backend, seed=seed,
                              overrides=short2008_overrides(regime, size, times[-1]))
        for k, t in enumerate(times):
            last = k == len(times) - 1
            sample = int(round(1.0 / DT)) if last else int(round(t / DT)) - model.steps
            total, n = np.zeros_like(model.b), 0
            while model.steps < int(round(t / DT)):
                model.run(min(sample, int(round(t / DT)) - model.steps), progress=progress)
                total += model.b
                n += 1
            out.times.append(t)
            out.maps.append(model.b.copy())
        out.average = total / n
    out.crimes = int(model.metrics.crimes_by_cell.sum())
    return out
