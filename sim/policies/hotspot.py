"""Hotspot patrol: idle units go to the cells with the most recent crime and dwell there."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from polsim.policies.base import Policy

if TYPE_CHECKING:
    from polsim.policies.view import PolicyView


class HotspotPatrol(Policy):
    """Hotspot-guided patrol, re-planned every ``policy.replan_days`` (default daily) from recent crime.

    Nanning (2019) runs "daily, weekly and monthly analysis" of frequent crimes and public
    order hotspots and sends the results to the sub-bureaus "to guide patrol"; Nantong
    (2020) steers patrols the same way. Every ``replan_days`` the policy ranks cells by the
    crimes recorded since the last plan (``hotspot_method = "counts"``) or by a Gaussian
    kernel density estimate of them (``"kde"``, bandwidth ``kde_bandwidth_m``), and takes
    the top ``policy.hotspots`` passable cells. The first plan, before any crime is known,
    ranks cells by the baseline risk surface (A0, the land-use attractiveness, smoothed),
    what an analyst would have from earlier years; later ties break the same way. Idle
    units go to a hotspot (roaming units to any, zone- or grid-bound units to one of their
    own area, or random patrol there when it has none), dwell ``dwell_min`` minutes (Koper
    1995: 10-15 minutes is the most deterrent), then move on to another. Posts stay put.
    """

    name = "hotspot"

    def setup(self, view: PolicyView) -> None:
        """Read the options, build the tie-break surface and make the first plan."""
        super().setup(view)
        opts, city = view.options, view.city
        self.every = opts.replan_days * 1440.0
        self.n_hot = opts.hotspots
        self.sigma = opts.kde_bandwidth_m / city.cell_m if opts.hotspot_method == "kde" else 0.0
        self.dwell = opts.dwell_min
        self.prior = ndimage.gaussian_filter(view.a0, 2.0, mode="constant")
        self.seen = np.zeros((city.rows, city.cols), np.int64)
        self.next_plan = 0.0
        self.hot = np.zeros(0, np.int64)
        self.post = np.full(len(view.units), -1, np.int64)
        self.dwell_until = np.full(len(view.units), np.nan)
        self.unit_area = {"roam": np.zeros(len(view.units), np.int64),
                          "zone": view.units.zone, "grid": view.units.grid}
        self.cell_area = {"roam": np.zeros((city.rows, city.cols), np.int64),
                          "zone": city.station_id, "grid": city.grid_id}

    def on_step(self, view: PolicyView) -> None:
        """Re-plan when the planning interval has passed."""
        if view.now >= self.next_plan:
            self.plan(view)
            self.next_plan += self.every

    def plan(self, view: PolicyView) -> None:
        """Rank cells by the crimes since the last plan (or the prior) and keep the top ones."""
        total = view.crimes_by_cell.sum(axis=0)
        recent = (total - self.seen).astype(float)
        self.seen = total
        if recent.sum() == 0:
            if self.hot.size:
                return  # nothing new to go on: keep the current plan
            recent = self.prior
        score = ndimage.gaussian_filter(recent, self.sigma, mode="constant") if self.sigma else recent
        self.hot = top_cells(score, self.prior, view.city.passable, self.n_hot)

    def patrol_targets(self, view: PolicyView, units: np.ndarray,
                       u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Dwell at the current hotspot, or head for another one of the unit's area."""
        tr, tc = super().patrol_targets(view, units, u)
        m, cols, now = view.units, view.city.cols, view.now
        for k, j in enumerate(units):
            style = self.style[j]
            if style == "stay":
                continue
            if still_dwelling(self.post, self.dwell_until, j, int(m.r[j] * cols + m.c[j]), now, self.dwell):
                tr[k], tc[k] = m.r[j], m.c[j]
                continue
            mine = self.hot[self.cell_area[style].ravel()[self.hot] == self.unit_area[style][j]]
            if mine.size == 0:
                self.post[j] = -1
                continue
            self.post[j] = mine[min(int(u[k] * mine.size), mine.size - 1)]
            self.dwell_until[j] = np.nan
            tr[k], tc[k] = divmod(int(self.post[j]), cols)
        return tr, tc

    def treated_cells(self, view: PolicyView) -> np.ndarray:
        """The current hotspot cells."""
        out = np.zeros(view.city.rows * view.city.cols, bool)
        out[self.hot] = True
        return out.reshape(view.city.rows, view.city.cols)


def still_dwelling(post: np.ndarray, dwell_until: np.ndarray, j: int, here: int, now: float,
                   dwell: float) -> bool:
    """Whether unit ``j``, standing on cell ``here``, is at its post and within its dwell there
    (the dwell of ``dwell`` minutes starts when it first finds itself at the post).
    """
    if post[j] != here:
        return False
    if np.isnan(dwell_until[j]):
        dwell_until[j] = now + dwell
    return now < dwell_until[j]


def top_cells(score: np.ndarray, tie_break: np.ndarray, passable: np.ndarray, n: int) -> np.ndarray:
    """Flat indices of the ``n`` passable cells with the highest score (ties: ``tie_break``, index)."""
    cells = np.flatnonzero(passable.ravel())
    order = np.lexsort((cells, -tie_break.ravel()[cells], -score.ravel()[cells]))
    return cells[order[:n]]
