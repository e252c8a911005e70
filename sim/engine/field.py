"""Where and what crime happens: the attractiveness field and the crime-type mix.

``A = A0 * hour factor + B`` after Short et al. (2008): the baseline ``A0`` comes from land
use or a calibrated raster (:mod:`polsim.engine.field_baseline`), and ``B`` jumps where crimes
happen, decays and diffuses to neighbours (repeat and near repeat victimisation). The field
owns ``B`` and this step's crime cells; the offender rule reads ``A0``, ``B`` and the walk
weights made from them. The crime type at a cell is drawn from that cell's mix
(``type_cdf[type_label[r, c]]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from polsim.rules.field import decay_factor, update_field
from polsim.rules.offender import walk_weights
from polsim.scenario.schema import FieldSpec, ScenarioSpec

if TYPE_CHECKING:
    from polsim.engine.field_baseline import CrimeField


class AttractivenessField:
    """``A0``, ``B`` and the walk weights of a run, and the crimes that feed ``B`` each step."""

    def __init__(self, spec: FieldSpec, a0: np.ndarray, passable: np.ndarray, dt: float) -> None:
        self.spec = spec
        self.a0 = a0
        self.b = np.zeros_like(self.a0)
        self._b_next = np.zeros_like(self.a0)
        self.walk_weight = np.zeros_like(self.a0)
        self.passable = passable.copy()
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
    share of each type there; ``flees[k]`` whether an offender of type ``k`` runs.
    """

    names: list[str]
    type_label: np.ndarray
    type_cdf: np.ndarray
    flees: np.ndarray

    @classmethod
    def of(cls, spec: ScenarioSpec, baseline: CrimeField) -> CrimeMix:
        """The scenario's types with the label raster and table of its baseline field."""
        flees = np.array([ct.flees for ct in spec.crimes.values()])
        return cls(list(spec.crimes), baseline.type_label, baseline.type_cdf, flees)
