"""The city as Mesa's own discrete space, for the ``mesa`` backend.

:class:`CitySpace` is a ``mesa.discrete_space.OrthogonalMooreGrid`` of ``(row, col)`` cells
(8 neighbours, the lattice the units and people move on), with the city's layers as Mesa
property layers: ``land_use`` (codes of ``polsim.scenario.LAND_USES``), ``passable``,
``footfall`` (people per cell at the current hour) and ``attractiveness`` (``A0 + B``, the
Short et al. field). Every agent of the mesa backend stands in its cell (``agent.cell``, and
``agent.pos`` is the same ``(row, col)``), so ``mesa.visualization.make_space_component`` and
the rest of Mesa's cell API work on the model.

The state arrays stay the truth (the rules run on them, on both backends): the backend moves
each agent to the cell its row says and copies the changing layers at the end of every step.
Building the space draws no random numbers, so seeded runs are the same with or without it.
"""

from __future__ import annotations

from random import Random
from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import Cell, OrthogonalMooreGrid

if TYPE_CHECKING:
    from polsim.cities.city import City

LAYERS = ("land_use", "passable", "footfall", "attractiveness")
"""The property layers of the space, by their Mesa names."""


class CityCell(Cell):
    """A Mesa cell that also compares equal to its ``(row, col)`` coordinate.

    Agents' ``cell`` was a ``(row, col)`` tuple before it was a Mesa cell; comparing the two
    keeps working. The hash stays the cell's own (cells are unique within their grid).
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        """Same cell, or a tuple equal to its coordinate."""
        if isinstance(other, tuple):
            return self.coordinate == other
        return self is other

    __hash__ = Cell.__hash__


class CitySpace(OrthogonalMooreGrid):
    """The city's cells as a Mesa grid with its layers; see the module docstring."""

    def __init__(self, city: City, random: Random) -> None:
        super().__init__((city.rows, city.cols), torus=False, random=random, cell_klass=CityCell)
        self.create_property_layer("land_use", default_value=0, dtype=np.int64)
        self.create_property_layer("passable", default_value=False, dtype=bool)
        self.create_property_layer("footfall", default_value=0.0, dtype=float)
        self.create_property_layer("attractiveness", default_value=0.0, dtype=float)
        self.layer("land_use").data = city.land_use
        self.layer("passable").data = city.passable

    def layer(self, name: str):
        """The property layer ``name`` (one of :data:`LAYERS`)."""
        return self._mesa_property_layers[name]

    def update_layers(self, footfall: np.ndarray, attractiveness: np.ndarray) -> None:
        """Copy this hour's footfall and the current attractiveness into their layers."""
        self.layer("footfall").data = footfall
        self.layer("attractiveness").data = attractiveness

    def place(self, agent, r: int, c: int) -> None:
        """Put ``agent`` in cell ``(r, c)`` (a no-op where it stands there already)."""
        cell = self._cells[(r, c)]
        if agent.cell is not cell:
            agent.cell = cell
            agent.pos = cell.coordinate
