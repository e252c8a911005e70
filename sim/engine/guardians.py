"""Guardians: grid workers and volunteers, each bound to one grid (the one owner of their arrays).

Placement draws come from the run's ``placement`` stream. A guardian walks at random inside
its own grid (:func:`polsim.rules.movement.guardian_move`), whatever the grid's shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from polsim.engine.areas import PatrolAreas
from polsim.rules.movement import GuardianMoveArgs
from polsim.scenario.schema import GuardianSpec

if TYPE_CHECKING:
    from polsim.cities.city import City


@dataclass
class Guardians:
    """Grid workers and volunteers: where each stands and the grid it is bound to."""

    r: np.ndarray
    c: np.ndarray
    grid: np.ndarray
    grid_worker: np.ndarray

    def __len__(self) -> int:
        return self.r.shape[0]

    @classmethod
    def place(cls, spec: GuardianSpec, city: City, rng: np.random.Generator) -> Guardians:
        """Grid workers in every grid with passable land; volunteers where people live. Each
        starts on a random passable cell of its grid.
        """
        n_grids = len(city.grid_codes)
        has_land = np.bincount(city.grid_id[city.passable], minlength=n_grids) > 0
        worker_grids = np.repeat(np.flatnonzero(has_land), spec.grid_workers_per_grid)
        weights = np.bincount(city.grid_id.ravel(), city.residents.ravel().astype(float), n_grids)
        if weights.sum() <= 0:
            weights = has_land.astype(float)
        volunteer_grids = rng.choice(n_grids, size=spec.volunteers, p=weights / weights.sum())
        grids = np.concatenate([worker_grids, volunteer_grids]).astype(np.int64)
        # cells of a grid in row-major order: the order a guardian's start is drawn in
        flat = PatrolAreas(city.grid_id, city.passable).draw(grids, rng.random(len(grids)))
        is_worker = np.zeros(len(grids), bool)
        is_worker[: len(worker_grids)] = True
        return cls(flat // city.cols, flat % city.cols, grids, is_worker)

    def movement_args(self, grid_id: np.ndarray, passable: np.ndarray, draws: np.ndarray) -> GuardianMoveArgs:
        """This step's arguments of the guardian walk (:func:`polsim.rules.movement.guardian_move`)."""
        return GuardianMoveArgs(r=self.r, c=self.c, grid=self.grid, grid_id=grid_id, passable=passable,
                                draws=draws)
