"""Police units: the one owner of their arrays, their per-type columns and their states.

Units live as struct-of-arrays, one row per unit, because the movement rule and the Numba
backend work on arrays. Every change of a unit's state goes through a transition here
(:meth:`Units.send`, :meth:`Units.arrive`, :meth:`Units.release`, :meth:`Units.pursue`,
:meth:`Units.change_shifts`, ...): the dispatch centre, the policies and the model ask, this
module writes. The unit type's fields (speed, sight, crew...) become per-unit columns once,
when the units are built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from polsim.rules.movement import UnitMoveArgs
from polsim.rules.travel import DRIVE, FLY, WALK, traffic_factor
from polsim.scenario.schema import ScenarioSpec, UnitType

if TYPE_CHECKING:
    from polsim.cities.city import City

UNIT_STATES = ("patrolling", "dispatched", "on_scene", "pursuing", "returning", "off_shift")
"""States of a police unit, in the order of their integer codes."""

PATROLLING, DISPATCHED, ON_SCENE, PURSUING, RETURNING, OFF_SHIFT = range(len(UNIT_STATES))
PATH_CELLS = 64
"""Cells of path each unit starts with room for (the table grows for a longer path)."""
AVAILABLE_STATES = (PATROLLING, RETURNING)
"""States in which a unit may take a call (see :meth:`Units.available`)."""
BUSY_STATES = (DISPATCHED, ON_SCENE, PURSUING)
"""States that count as busy in the utilisation."""


@dataclass
class Units:
    """Police units: where they are and go, their state, and their type's fields by row."""

    type_names: list[str]
    types: list[UnitType]
    type_idx: np.ndarray
    r: np.ndarray
    c: np.ndarray
    tgt_r: np.ndarray
    tgt_c: np.ndarray
    credit: np.ndarray
    moving: np.ndarray
    arrive_frac: np.ndarray
    state: np.ndarray
    base_r: np.ndarray
    base_c: np.ndarray
    zone: np.ndarray
    grid: np.ndarray
    incident: np.ndarray
    path: np.ndarray
    path_len: np.ndarray
    path_at: np.ndarray
    # per-type columns, one value per unit (built once by :meth:`build`)
    kind: np.ndarray
    mode: np.ndarray
    patrol: np.ndarray
    speed_cells_per_min: np.ndarray
    sensitivity: np.ndarray
    flies: np.ndarray
    responds: np.ndarray
    can_arrest: np.ndarray
    crew: np.ndarray
    response_radius_cells: np.ndarray
    sight_cells: np.ndarray
    deter_cells: np.ndarray
    capture_cells: np.ndarray
    shift: np.ndarray
    _duty_by_hour: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return self.r.shape[0]

    @classmethod
    def build(cls, spec: ScenarioSpec, city: City) -> Units:
        """Units of every type, spread round-robin over the bases of their kind."""
        names, types = list(spec.units), list(spec.units.values())
        idx, br, bc = [], [], []
        for t, ut in enumerate(types):
            bases = np.asarray(ut.base_cells, dtype=np.int64).reshape(-1, 2)
            if ut.base_lonlat or ut.base_xy:
                bases = np.concatenate([bases, city.cells_at(ut.base_lonlat, ut.base_xy)])
            if bases.shape[0] == 0:
                bases = city.bases[ut.base]
            for k in range(ut.count):
                idx.append(t)
                br.append(bases[k % len(bases), 0])
                bc.append(bases[k % len(bases), 1])
        n = len(idx)
        type_idx = np.array(idx, np.int64)
        base_r, base_c = np.array(br, np.int64), np.array(bc, np.int64)
        return cls(
            names, types, type_idx, base_r.copy(), base_c.copy(), base_r.copy(), base_c.copy(),
            np.zeros(n), np.zeros(n, bool), np.full(n, -1.0), np.zeros(n, np.int64),
            base_r, base_c, city.station_id[base_r, base_c].astype(np.int64),
            city.grid_id[base_r, base_c].astype(np.int64), np.full(n, -1, np.int64),
            np.zeros((n, PATH_CELLS), np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64),
            **_type_columns(types, type_idx, city.cell_m),
        )

    # -- reading ----------------------------------------------------------------------------
    @property
    def speed(self) -> np.ndarray:
        """The earlier name of :attr:`speed_cells_per_min` (kept for code written against it)."""
        return self.speed_cells_per_min

    def in_state(self, states: tuple[int, ...]) -> np.ndarray:
        """Units whose state is one of ``states``: one lookup in a table of the states (a
        few units are asked several times a step; ``np.isin`` costs ~20x more).
        """
        return _states_table(states)[self.state]

    def available(self, return_to_base: bool) -> np.ndarray:
        """Units free to take a call now: responding units on patrol (and, unless they must
        first drive home after a job, those driving home).
        """
        if return_to_base:
            return self.responds & (self.state == PATROLLING)
        return self.responds & self.in_state(AVAILABLE_STATES)

    def on_duty(self, hour_of_day: float) -> np.ndarray:
        """Units whose shift ``[start, end)`` covers the time of day (a read-only mask).

        A shift may pass midnight (end > 24), so the hour is read also as the same hour + 24.
        Shifts start and end on whole hours, so the answer only depends on the whole hours of
        the time of day and of that time plus 24: it is built once for each pair and kept,
        rather than rebuilt every step.
        """
        key = (int(hour_of_day), int(hour_of_day + 24))
        duty = self._duty_by_hour.get(key)
        if duty is None:
            start, end = self.shift[:, 0], self.shift[:, 1]
            hour, next_day = key
            duty = ((hour >= start) & (hour < end)) | ((next_day >= start) & (next_day < end))
            duty.setflags(write=False)
            self._duty_by_hour[key] = duty
        return duty

    def rates(self, congestion: float) -> np.ndarray:
        """Cell lengths a minute each unit covers at this traffic (speed x traffic factor): the
        one place a unit type's ``speed_kmh`` becomes movement, for the movement rule and for
        the router's travel times alike.
        """
        return self.speed_cells_per_min * traffic_factor(self.sensitivity, congestion)

    def movement_args(self, congestion: float, w_drive: np.ndarray, w_walk: np.ndarray, cols: int,
                      dt: float) -> UnitMoveArgs:
        """This step's arguments of the movement rule (:func:`polsim.rules.movement.unit_move`):
        the units' arrays, their rates at this traffic and the city's slowness rasters.
        """
        return UnitMoveArgs(**{name: getattr(self, name) for name in MOVED_ROWS}, rate=self.rates(congestion),
                            w_drive=w_drive, w_walk=w_walk, cols=cols, dt=dt)

    # -- transitions ------------------------------------------------------------------------
    def change_shifts(self, on_duty: np.ndarray) -> None:
        """Idle units leave at the end of their shift (back at base at once) and come back,
        at base, at its start. Busy units finish their job first (see :meth:`release`).
        """
        leaving = ~on_duty & self.in_state(AVAILABLE_STATES)
        if leaving.any():
            self.state[leaving] = OFF_SHIFT
            self.moving[leaving] = False
            self.r[leaving], self.c[leaving] = self.base_r[leaving], self.base_c[leaving]
        coming = on_duty & (self.state == OFF_SHIFT)
        if coming.any():
            self.state[coming] = PATROLLING

    def patrol_to(self, unit: int, r: int, c: int, path: np.ndarray) -> None:
        """Idle ``unit`` sets off for its patrol target (r, c) by ``path``."""
        self._go(unit, r, c, path)

    def send(self, unit: int, incident: int, r: int, c: int, path: np.ndarray) -> None:
        """``unit`` is dispatched to ``incident`` at (r, c) and goes there by ``path`` (the flat
        cells from where it stands to the scene; ignored for a flying unit).
        """
        self.state[unit] = DISPATCHED
        self.incident[unit] = incident
        self._go(unit, r, c, path)

    def _go(self, unit: int, r: int, c: int, path: np.ndarray) -> None:
        """Set off for (r, c): by ``path`` on the ground (none found: stay), straight by air."""
        self.tgt_r[unit], self.tgt_c[unit] = r, c
        self.credit[unit] = 0.0
        if self.mode[unit] == FLY:
            self.moving[unit] = True
            return
        if path.size == 0:
            self.moving[unit] = False
            return
        if path.size > self.path.shape[1]:
            grown = np.zeros((len(self), max(path.size, 2 * self.path.shape[1])), np.int64)
            grown[:, : self.path.shape[1]] = self.path
            self.path = grown
        self.path[unit, : path.size] = path
        self.path_len[unit], self.path_at[unit] = path.size, 0
        self.moving[unit] = True

    def teleport_to_target(self, unit: int) -> None:
        """``unit`` is at its target at once (the idealised zero-travel dispatch)."""
        self.r[unit], self.c[unit] = self.tgt_r[unit], self.tgt_c[unit]
        self.moving[unit] = False

    def arrive(self, unit: int) -> None:
        """``unit`` is on the scene of its incident."""
        self.state[unit] = ON_SCENE

    def release(self, unit: int, on_duty: bool, home: np.ndarray | None = None) -> None:
        """``unit`` is done with its job: back to patrol, or driving home by the path ``home``
        (``dispatch.return_to_base``: unavailable until there), or, when its shift is over,
        off duty at base.
        """
        self.incident[unit] = -1
        self.moving[unit] = False
        if not on_duty:
            self.state[unit] = OFF_SHIFT
            self.r[unit], self.c[unit] = self.base_r[unit], self.base_c[unit]
        elif home is not None:
            self.state[unit] = RETURNING
            self._go(unit, int(self.base_r[unit]), int(self.base_c[unit]), home)
        else:
            self.state[unit] = PATROLLING

    def back_at_base(self, unit: int) -> bool:
        """``unit`` has driven home after a job: free again. False if it was not driving home."""
        if self.state[unit] != RETURNING:
            return False
        self.state[unit] = PATROLLING
        return True

    def pursue(self, unit: int, r: int, c: int, path: np.ndarray) -> None:
        """``unit`` leaves patrol to hold an interception cell (r, c) of a cordon, by ``path``."""
        self.state[unit] = PURSUING
        self._go(unit, r, c, path)


def _type_columns(types: list[UnitType], type_idx: np.ndarray, cell_m: float) -> dict[str, np.ndarray]:
    """Every unit-type field the engine reads, as a column with one value per unit."""
    def column(values, dtype) -> np.ndarray:
        return np.array(values, dtype=dtype)[type_idx] if types else np.zeros(0, dtype)

    def cells(metres: float) -> int:
        return int(round(metres / cell_m))

    capture = [cells(t.capture_m) if t.can_arrest else -1 for t in types]
    return {
        "kind": column([t.kind for t in types], object),
        "mode": column([FLY if t.flies else WALK if t.on_foot else DRIVE for t in types], np.int64),
        "patrol": column([t.patrol for t in types], object),
        "speed_cells_per_min": column([t.speed_kmh * 1000.0 / 60.0 / cell_m for t in types], float),
        "sensitivity": column([t.congestion_sensitivity for t in types], float),
        "flies": column([t.flies for t in types], bool),
        "responds": column([t.responds for t in types], bool),
        "can_arrest": column([t.can_arrest for t in types], bool),
        "crew": column([t.crew for t in types], np.int64),
        "response_radius_cells": column([t.response_radius_m for t in types], float) / cell_m,
        "sight_cells": column([cells(t.sight_m) for t in types], np.int64),
        "deter_cells": column([cells(t.deter_m) for t in types], np.int64),
        "capture_cells": column(capture, np.int64),
        "shift": (np.array([t.shift for t in types], np.int64).reshape(-1, 2)[type_idx]
                  if types else np.zeros((0, 2), np.int64)),
    }


MOVED_ROWS = tuple(name for name in UnitMoveArgs._fields if name in Units.__dataclass_fields__)
"""The unit arrays the movement rule reads and writes: the fields ``Units`` and ``UnitMoveArgs``
share, taken from both so that the list is written once (tests/test_rule_fields.py fails when
the two part)."""


@cache
def _states_table(states: tuple[int, ...]) -> np.ndarray:
    """True at each unit state in ``states`` (indexed by state number)."""
    table = np.zeros(len(UNIT_STATES), bool)
    table[list(states)] = True
    table.setflags(write=False)
    return table
