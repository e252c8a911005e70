"""Motivated offenders: the one owner of their arrays.

State lives in arrays, one row per offender, because the offender rule and the Numba backend
work on arrays; the Mesa backend's agents are views onto a row (see :mod:`polsim.engine.agents`).
Status codes and their names are the rule's (:mod:`polsim.rules.offender`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from polsim.rules.offender import INACTIVE, WALKING, OffenderArgs, OffenderParams

if TYPE_CHECKING:
    from polsim.cities.city import City


@dataclass
class Offenders:
    """Motivated offenders: position, status, flight origin, home; per-step outputs.

    Rows are re-sorted by cell as the run goes (:meth:`sort_by_cell`), so a row is a place in
    memory, not a person: ``id`` is the offender's identity.
    """

    id: np.ndarray
    r: np.ndarray
    c: np.ndarray
    status: np.ndarray
    timer: np.ndarray
    origin_r: np.ndarray
    origin_c: np.ndarray
    home_r: np.ndarray
    home_c: np.ndarray
    crime: np.ndarray
    arrested: np.ndarray
    incident: np.ndarray
    crime_t: np.ndarray

    @classmethod
    def place(cls, city: City, n: int, rng: np.random.Generator, active: bool = True) -> Offenders:
        """``n`` offenders at homes drawn in proportion to residents (any passable cell if none)."""
        weights = city.residents.ravel().astype(float)
        if weights.sum() <= 0:
            weights = city.passable.ravel().astype(float)
        cells = rng.choice(weights.size, size=n, p=weights / weights.sum())
        r, c = (cells // city.cols).astype(np.int64), (cells % city.cols).astype(np.int64)
        z = np.zeros(n, np.int64)
        status = np.full(n, WALKING if active else INACTIVE, np.int64)
        return cls(np.arange(n, dtype=np.int64), r, c.copy(), status, z.copy(), z.copy(), z.copy(),
                   r.copy(), c.copy(), np.full(n, -1, np.int64), np.zeros(n, bool),
                   np.full(n, -1, np.int64), np.zeros(n))

    def __len__(self) -> int:
        return self.r.shape[0]

    def grow(self, extra: int) -> None:
        """Add ``extra`` inactive rows (Short 2008 births need free slots), with new ids."""
        new_ids = np.arange(len(self), len(self) + extra, dtype=np.int64)
        for name, arr in vars(self).items():
            fill = INACTIVE if name == "status" else (-1 if name in ("crime", "incident") else 0)
            tail = new_ids if name == "id" else np.full(extra, fill, arr.dtype)
            setattr(self, name, np.concatenate([arr, tail]))

    def offended(self, i: int, t: float) -> None:
        """Offender row ``i`` committed a crime at time ``t`` (an arrest is timed from it)."""
        self.crime_t[i] = t

    def reported(self, i: int, incident: int) -> None:
        """The crime of row ``i`` became ``incident``: an arrest closes its case."""
        self.incident[i] = incident

    def arrested_now(self, i: int) -> tuple[int, float]:
        """Row ``i`` was arrested: its incident (-1 if none) and the time of its crime."""
        incident, self.incident[i] = int(self.incident[i]), -1
        return incident, float(self.crime_t[i])

    def spawn(self, rows: np.ndarray, r: np.ndarray, c: np.ndarray) -> None:
        """Inactive ``rows`` become new offenders walking from (r, c) (Short et al. 2008 births)."""
        self.r[rows], self.c[rows] = r, c
        self.status[rows] = WALKING

    def start_at(self, r: np.ndarray, c: np.ndarray) -> None:
        """Every offender starts from (``r``, ``c``) instead of its home (the settled start)."""
        self.r[:], self.c[:] = r, c

    def forget_burn_in(self) -> None:
        """An uncounted burn-in leaves no crime to flee from and no arrest to serve."""
        self.crime[:] = -1
        self.arrested[:] = False

    def sort_by_cell(self, cols: int) -> np.ndarray:
        """Reorder the rows by the cell each offender stands on (row-major); return the order.

        The offender rule reads rasters at an offender's cell and its neighbours, and its own
        row: with rows in cell order both stream through the cache instead of jumping across
        memory (at 1e6 offenders, 3.6x faster). Offenders move a cell a step, so the order
        holds for a while; the model re-sorts every ``SORT_EVERY`` steps.
        """
        order = np.argsort(self.r * cols + self.c, kind="stable")
        for name, arr in vars(self).items():
            setattr(self, name, arr[order])
        return order

    def rule_args(self, *, a0: np.ndarray, b: np.ndarray, weight: np.ndarray,
                  deterrence: np.ndarray, capture: np.ndarray, passable: np.ndarray,
                  type_label: np.ndarray, type_cdf: np.ndarray, type_flees: np.ndarray,
                  params: OffenderParams, draws: np.ndarray) -> OffenderArgs:
        """This step's arguments of the offender rule: these arrays and the given rasters."""
        return OffenderArgs(**{name: getattr(self, name) for name in RULE_ROWS}, a0=a0, b=b,
                            weight=weight, deterrence=deterrence, capture=capture, passable=passable,
                            type_label=type_label, type_cdf=type_cdf, type_flees=type_flees, draws=draws,
                            **params._asdict())


RULE_ROWS = tuple(name for name in OffenderArgs._fields if name in Offenders.__dataclass_fields__)
"""The offender arrays the rule reads and writes: the fields ``Offenders`` and ``OffenderArgs``
share, taken from both so that the list is written once (``OffenderArgs`` is flat for Numba;
tests/test_rule_fields.py fails when the two part)."""
