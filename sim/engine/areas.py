"""Areas as tables of their passable cells: the city, its station zones, its grids, a beat.

Drawing a uniformly random cell of an area (a unit's next patrol target, a guardian's post)
is then one compiled pick over the table (:func:`polsim.rules.patrol.draw_cells`), whatever
the shape of the area.
"""

from __future__ import annotations

import numpy as np

from polsim.rules.patrol import draw_cells


class PatrolAreas:
    """The passable cells of each patrol area (whole city, station zone, grid), for fast draws."""

    def __init__(self, labels: np.ndarray, passable: np.ndarray) -> None:
        cells = np.flatnonzero(passable.ravel())
        lab = labels.ravel()[cells]
        order = np.argsort(lab, kind="stable")
        self.cells = cells[order]
        n = int(labels.max()) + 1
        self.start = np.searchsorted(lab[order], np.arange(n))
        self.end = np.searchsorted(lab[order], np.arange(n), side="right")

    @classmethod
    def _table(cls, cells: np.ndarray, start: np.ndarray, end: np.ndarray) -> PatrolAreas:
        areas = cls.__new__(cls)
        areas.cells, areas.start, areas.end = cells, start, end
        return areas

    @classmethod
    def single_cells(cls, flat: np.ndarray) -> PatrolAreas:
        """Areas of one cell each, area ``k`` being cell ``flat[k]`` (a unit's base, for one)."""
        n = len(flat)
        return cls._table(np.asarray(flat, np.int64), np.arange(n), np.arange(1, n + 1))

    @classmethod
    def joined(cls, parts: list[PatrolAreas]) -> tuple[PatrolAreas, np.ndarray]:
        """One table holding the areas of every part, and the label each part's area 0 has in it.

        Drawing from the joined table gives the same cells as drawing from each part, so units
        of different patrol styles can draw in one vectorised pick.
        """
        shift = np.cumsum([0] + [len(p.cells) for p in parts])[:-1]
        joined = cls._table(np.concatenate([p.cells for p in parts]),
                            np.concatenate([p.start + s for p, s in zip(parts, shift, strict=True)]),
                            np.concatenate([p.end + s for p, s in zip(parts, shift, strict=True)]))
        return joined, np.cumsum([0] + [len(p.start) for p in parts])[:-1]

    def draw(self, area: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One uniformly drawn passable cell (flat index) of each ``area`` label, from ``u``."""
        return draw_cells(self.cells, self.start, self.end, np.asarray(area, np.int64),
                          np.asarray(u, np.float64))

    def draw_or(self, area: np.ndarray, u: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        """Like :meth:`draw`, but ``fallback`` (flat cells) where an area has no passable cell."""
        empty = self.start[area] >= self.end[area]
        out = np.asarray(fallback, np.int64).copy()
        if (~empty).any():
            out[~empty] = self.draw(area[~empty], u[~empty])
        return out
