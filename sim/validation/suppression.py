"""Case 2: police suppression of a hotspot, displacement vs dissipation (Short, Brantingham,
Bertozzi and Tita 2010, "Dissipation and displacement of hotspots in reaction-diffusion
models of crime", PNAS 107, 3961-3965).

The paper's result: hotspots of the Short (2008) model come in two kinds. Supercritical ones
(eta below the linear-stability threshold eta_c, the homogeneous state unstable) grow out of
noise; suppressing one only moves the crime: new hotspots form around the suppressed area
(displacement). Subcritical ones (eta above eta_c: the homogeneous state is stable, and a
hotspot survives only because a large spike of crime nucleated it) are removed for good by
suppression: once gone the field returns to the stable homogeneous state and nothing comes
back, not even after the police leave (dissipation).

Suppression here is the paper's: crime cannot happen where police stand. polsim stations
police on the treated cells through its deterrence raster (the engine's rule: crime
probability 1 - exp(-A exp(-deterrence) dt)) with an exponent that makes the probability
vanish; offenders still walk through (risk aversion 0, as in the paper's model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from polsim.engine.presence import Presence
from polsim.engine.threads import numba_threads
from polsim.measures.displacement import Displacement, weighted_displacement
from polsim.measures.treated_areas import area_counts, buffer_ring, control_area
from polsim.validation.hotspots import DT, STATIONARY, Regime, count_hotspots, short2008_overrides

SUPPRESSED = 50.0
"""Deterrence exponent on treated cells: exp(-50) ~ 2e-22, so no crime happens there."""

SUBCRITICAL = Regime("above threshold", 0.2, 0.56, 0.019, "stable background: a hotspot only if nucleated")
"""Same theta and Gamma as the stationary regime, eta = 0.2 above eta_c = 0.115."""
SUPERCRITICAL = STATIONARY
"""The 2008 paper's stationary-hotspot set (eta = 0.03, eta_c = 0.115)."""


class SuppressedPresence(Presence):
    """The engine's presence rasters, plus police posted on ``treated`` cells when ``active``."""

    def __init__(self, model, treated: np.ndarray) -> None:
        super().__init__(model.city, model.units, model.guardians, model.spec.guardians, model.spec.deterrence)
        self.treated = np.asarray(treated, bool)
        self.active = False

    def stamp(self, on_duty: np.ndarray, checkpoints: np.ndarray | float = 0) -> None:
        """Stamp as the engine does, then suppress crime on the treated cells."""
        super().stamp(on_duty, checkpoints)
        if self.active:
            self.deterrence[self.treated] = SUPPRESSED


class SuppressHotspot:
    """Posts police on the cells of the hottest hotspot of a running short2008 model.

    ``radius``: the treated area is every cell within ``radius`` cells of the hottest cell
    (of B averaged over the last window), so it covers the hotspot's core.
    """

    def __init__(self, model, radius: float) -> None:
        self.model = model
        self.radius = radius
        self.centre = (0, 0)
        self.presence = SuppressedPresence(model, np.zeros_like(model.b, bool))
        model.presence = model.detector.presence = self.presence

    def post(self, mean_b: np.ndarray) -> np.ndarray:
        """Choose the treated disc around the maximum of ``mean_b`` and start suppressing."""
        r0, c0 = np.unravel_index(int(np.argmax(mean_b)), mean_b.shape)
        self.centre = (int(r0), int(c0))
        self.presence.treated[:] = torus_distance(mean_b.shape, r0, c0) <= self.radius
        self.presence.active = True
        return self.presence.treated.copy()

    def leave(self) -> None:
        """Withdraw the police."""
        self.presence.active = False


def torus_distance(shape: tuple[int, int], r0: int, c0: int) -> np.ndarray:
    """Euclidean distance of every cell to (r0, c0) on the periodic lattice."""
    rows, cols = np.indices(shape)
    dr = np.minimum(abs(rows - r0), shape[0] - abs(rows - r0))
    dc = np.minimum(abs(cols - c0), shape[1] - abs(cols - c0))
    return np.hypot(dr, dc)


def seed_hotspot(b: np.ndarray, height: float, width: float) -> None:
    """Add a Gaussian bump of B at the centre: the "large spike" that nucleates a subcritical hotspot."""
    d = torus_distance(b.shape, b.shape[0] // 2, b.shape[1] // 2)
    b += height * np.exp(-0.5 * (d / width) ** 2)


@dataclass
class Window:
    """Crimes per cell and time-averaged B over one stretch of the run."""

    crimes: np.ndarray
    mean_b: np.ndarray

    @property
    def hotspots(self) -> int:
        """Hotspots of the averaged B (clusters above twice the mean, periodic)."""
        return count_hotspots(self.mean_b)

    @property
    def peaks(self) -> list[tuple[int, int]]:
        """Centres of mass of the hotspots' cells (row, col), for the report."""
        hot = self.mean_b > 2 * self.mean_b.mean()
        labels, n = ndimage.label(hot)
        return [tuple(int(round(x)) for x in ndimage.center_of_mass(hot, labels, k))
                for k in range(1, n + 1)]


@dataclass
class SuppressionRun:
    """Before / during / after windows of one suppression experiment and their WDQ."""

    regime: Regime
    size: int
    seeded: bool
    before: Window
    during: Window
    after: Window
    treated: np.ndarray
    buffer: np.ndarray
    control: np.ndarray

    @property
    def displacement(self) -> Displacement:
        """WDQ of the suppression window against the window before it."""
        return weighted_displacement(area_counts(self.before.crimes, self.during.crimes,
                                                 self.treated, self.buffer, self.control))

    def crimes(self, window: Window, area: np.ndarray) -> float:
        """Crimes in ``area`` during ``window``."""
        return float(window.crimes[area].sum())

    @property
    def buffer_change(self) -> float:
        """Crimes in the buffer during suppression / before (>1: crime moved next door)."""
        return self.crimes(self.during, self.buffer) / max(self.crimes(self.before, self.buffer), 1.0)

    @property
    def total_change(self) -> float:
        """All crimes during suppression / before."""
        return float(self.during.crimes.sum() / max(self.before.crimes.sum(), 1.0))

    @property
    def peak_after(self) -> float:
        """Max / mean of averaged B once the police have left (about 1: the hotspot is gone)."""
        return float(self.after.mean_b.max() / self.after.mean_b.mean())


def run_suppression(regime: Regime, size: int = 40, form: float = 100.0, window: float = 50.0,
                    radius: float = 3.0, buffer_cells: float = 4.0, seed_height: float | None = None,
                    seed: int = 1, backend: str = "numba") -> SuppressionRun:
    """Let hotspots form for ``form`` (or seed one), then three windows of ``window``: before,
    with police on the hottest hotspot (a disc of ``radius``), and after they leave.

    ``seed_height``: B added at the centre at t = 0 (the subcritical nucleus); None seeds nothing.
    """
    from polsim.model import PolicingModel

    steps = int(round(window / DT))
    with numba_threads(1):
        model = PolicingModel("default", backend=backend, seed=seed,
                              overrides=short2008_overrides(regime, size, form + 3 * window))
        if seed_height is not None:
            seed_hotspot(model.b, seed_height, 1.5)
        police = SuppressHotspot(model, radius)
        model.run(int(round(form / DT)))
        before = _window(model, steps)
        treated = police.post(before.mean_b)
        during = _window(model, steps)
        police.leave()
        after = _window(model, steps)
    buffer = _ring(treated, police.centre, buffer_cells)
    control = control_area(treated, buffer)
    return SuppressionRun(regime, size, seed_height is not None, before, during, after,
                          treated, buffer, control)


def _ring(treated: np.ndarray, centre: tuple[int, int], width: float) -> np.ndarray:
    """Buffer ring around ``treated`` on the torus (roll the disc to the centre, ring, roll back)."""
    r0, c0 = centre
    shift = (treated.shape[0] // 2 - r0, treated.shape[1] // 2 - c0)
    ring = buffer_ring(np.roll(treated, shift, axis=(0, 1)), width)
    return np.roll(ring, (-shift[0], -shift[1]), axis=(0, 1))


def _window(model, steps: int) -> Window:
    """Run ``steps`` steps; crimes per cell and B averaged once per time unit over them."""
    start = model.metrics.crimes_by_cell.copy()
    total, n, every = np.zeros_like(model.b), 0, int(round(1.0 / DT))
    for _ in range(steps // every):
        model.run(every)
        total += model.b
        n += 1
    crimes = np.asarray(model.metrics.crimes_by_cell - start, float)
    crimes = crimes.sum(axis=0) if crimes.ndim == 3 else crimes
    return Window(crimes.reshape(model.b.shape), total / n)


def nucleus_decay(regime: Regime = SUBCRITICAL, size: int = 40, height: float = 10.0,
                  t_end: float = 50.0, seed: int = 1, backend: str = "numba") -> list[float]:
    """Control without police: max / mean of B averaged over (0, 10), (10, 20), ...

    Shows whether the seeded nucleus would persist on its own (a subcritical hotspot) or decay.
    """
    from polsim.model import PolicingModel

    trace = []
    with numba_threads(1):
        model = PolicingModel("default", backend=backend, seed=seed,
                              overrides=short2008_overrides(regime, size, t_end))
        seed_hotspot(model.b, height, 1.5)
        every = int(round(1.0 / DT))
        for _ in range(int(t_end // 10)):
            # averaged over ten time units, as the windows are: single burglaries (B += theta)
            # otherwise dominate the maximum
            mean_b = _window(model, 10 * every).mean_b
            trace.append(float(mean_b.max() / mean_b.mean()))
    return trace
