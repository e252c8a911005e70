"""Where and what crime happens: the attractiveness field and the crime-type mix.

``A = A0 * hour factor + B`` after Short et al. (2008): the baseline ``A0`` comes from land
use, and ``B`` jumps where crimes happen, decays and diffuses to neighbours (repeat and near
repeat victimisation). The field owns ``B`` and this step's crime cells; the offender rule
reads ``A0``, ``B`` and the walk weights made from them. The crime type at a cell is drawn
from that cell's mix (``type_cdf[type_label[r, c]]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from polsim.rules.field import decay_factor, update_field
from polsim.rules.offender import walk_weights
from polsim.scenario.schema import LAND_USES, FieldSpec, ScenarioSpec

if TYPE_CHECKING:
    from polsim.city import City


class AttractivenessField:
    """``A0``, ``B`` and the walk weights of a run, and the crimes that feed ``B`` each step."""

    def __init__(self, spec: FieldSpec, city: City, dt: float) -> None:
        self.spec = spec
        weight = np.array([spec.land_use_weight.get(lu, 1.0) for lu in LAND_USES])
        self.a0 = (spec.a0_per_min * weight[city.land_use] * city.passable).astype(np.float64)
        self.b = np.zeros_like(self.a0)
        self._b_next = np.zeros_like(self.a0)
        self.walk_weight = np.zeros_like(self.a0)
        self.passable = city.passable.copy()
        self._decay = decay_factor(spec.omega_per_min, dt)
        # the cells of this step's crimes, one entry a crime (the update counts them)
        self._crime_r: list[int] = []
        self._crime_c: list[int] = []

    def add_crime(self, r: int, c: int) -> None:
        """A crime at (r, c): it raises ``B`` there at the end of the step."""
        self._crime_r.append(r)
        self._crime_c.append(c)

    def update_walk_weights(self, hour_factor: float, risk: np.ndarray, risk_aversion: float) -> np.ndarray:
        """This step's walk weights: attractiveness discounted by the police risk offenders see."""
        walk_weights(self.walk_weight, self.a0, self.b, hour_factor, risk, risk_aversion, self.passable)
        return self.walk_weight

    def update(self) -> None:
        """End of the step: ``B`` absorbs the step's crimes, decays and diffuses."""
        f = self.spec
        update_field(self.b, self._b_next, np.array(self._crime_r, np.int64), np.array(self._crime_c, np.int64),
                     self.passable, f.eta, self._decay, f.theta, f.periodic)
        self._crime_r.clear()
        self._crime_c.clear()
        self.b, self._b_next = self._b_next, self.b


@dataclass(frozen=True)
class CrimeMix:
    """Which crime type happens at a cell: ``type_cdf[type_label[r, c]]`` is the cumulative
    share of each type there; ``flees[k]`` whether an offender of type ``k`` runs."""

    names: list[str]
    type_label: np.ndarray
    type_cdf: np.ndarray
    flees: np.ndarray

    @classmethod
    def of(cls, spec: ScenarioSpec, city: City) -> CrimeMix:
        """The mix by land use: each type's weight times its affinity for the cell's land use."""
        types = list(spec.crimes.values())
        w = np.array([[ct.weight * ct.affinity.get(lu, 1.0) for ct in types] for lu in LAND_USES])
        totals = w.sum(axis=1, keepdims=True)
        cdf = np.cumsum(np.divide(w, totals, out=np.zeros_like(w), where=totals > 0), axis=1)
        return cls(list(spec.crimes), city.land_use, cdf, np.array([ct.flees for ct in types]))
