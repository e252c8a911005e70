"""The incident log: every incident of a run, the open ones as objects, the closed ones as columns.

An open incident is an :class:`~polsim.engine.incident.Incident` that SimPy processes hold and change.
Once closed, the only change left to it is a later arrest of its offender, so at the end of
each step the incidents closed during it move into an :class:`IncidentArchive`: numpy columns
grown in chunks of ``CHUNK_ROWS`` rows, where row ``i`` of every column is incident ``i`` (ids
are sequential from 0), strings are small integer codes and times stay float64 (seeded runs
repeat byte for byte). A closed incident then costs the row's width (85 B) instead of ~600 B
of object, floats, SimPy event and dict entry: a year at city scale (~6.5 M incidents) keeps
~0.55 GB rather than ~4 GB. Readers take columns (:meth:`IncidentLog.columns`), so a year's
summary or table never rebuilds millions of objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import fields
from typing import Any

import numpy as np

from polsim.engine.incident import Incident

CHUNK_ROWS = 65_536
"""Rows a chunk of the archive holds (5.6 MB): growing never copies what is archived."""

NUMERIC: dict[str, type] = {
    "priority": np.int8, "r": np.int16, "c": np.int16,  # cities have at most 5000 rows and cols
    "t_crime": np.float64, "on_scene_min": np.float64, "serious": np.bool_, "offender": np.int32,
    "t_detect": np.float64, "t_call": np.float64, "t_dispatch": np.float64, "t_arrival": np.float64,
    "t_close": np.float64, "t_capture": np.float64, "first_unit": np.int32, "arrested": np.bool_,
    "on_view": np.bool_, "escalated": np.bool_,
}
"""The archive's numeric columns and their types (a value out of range raises, never wraps)."""

CATEGORICAL = ("kind", "detected_by", "first_unit_type", "mediated_by")
"""String fields, archived as uint8 codes into a list of the strings seen so far."""

LIVE_ONLY = ("id", "units", "arrived")
"""Fields not archived: the id is the row; the units sent and the arrival event serve only
while the incident is open (dispatch, arrivals, the map's lines to units on their way)."""

FIELDS = tuple(f.name for f in fields(Incident) if f.name not in LIVE_ONLY)
"""Every archived field, in the order of the dataclass."""

if set(FIELDS) != set(NUMERIC) | set(CATEGORICAL):  # a new Incident field needs a column here
    raise TypeError(f"incident fields without an archive column: {set(FIELDS) ^ (set(NUMERIC) | set(CATEGORICAL))}")


class IncidentArchive:
    """Closed incidents as columns grown in chunks; row ``i`` of every column is incident ``i``.

    Rows of incidents still open are holes (zeros) until they close: every id is either live
    in :class:`IncidentLog` or here, and readers lay the live ones over the holes.
    """

    def __init__(self) -> None:
        self._chunks: list[dict[str, np.ndarray]] = []
        self._categories: dict[str, list[str]] = {name: [""] for name in CATEGORICAL}
        self._codes: dict[str, dict[str, int]] = {name: {"": 0} for name in CATEGORICAL}

    @property
    def nbytes(self) -> int:
        """Bytes held by the column chunks."""
        return sum(col.nbytes for chunk in self._chunks for col in chunk.values())

    def put(self, inc: Incident) -> None:
        """Archive every field of ``inc`` (but ``LIVE_ONLY``) in row ``inc.id``."""
        while len(self._chunks) * CHUNK_ROWS <= inc.id:
            self._chunks.append({name: np.zeros(CHUNK_ROWS, _dtype(name)) for name in FIELDS})
        for name in FIELDS:
            self.set(inc.id, name, getattr(inc, name))

    def set(self, row: int, name: str, value: Any) -> None:
        """Write one field of an archived incident (a late arrest)."""
        chunk = self._chunks[row // CHUNK_ROWS]
        chunk[name][row % CHUNK_ROWS] = self.encode(name, value)

    def row(self, row: int) -> dict[str, Any]:
        """Every archived field of incident ``row`` as Python values."""
        chunk, i = self._chunks[row // CHUNK_ROWS], row % CHUNK_ROWS
        out = {name: chunk[name][i].item() for name in FIELDS}
        for name in CATEGORICAL:
            out[name] = self._categories[name][out[name]]
        return out

    def column(self, name: str, stop: int, start: int = 0) -> np.ndarray:
        """Rows ``start .. stop-1`` of column ``name`` as stored (codes for strings), in a new
        array (zeros for rows not archived).
        """
        out = np.zeros(stop - start, _dtype(name))
        for k in range(start // CHUNK_ROWS, min(len(self._chunks), -(-stop // CHUNK_ROWS))):
            lo, hi = max(start, k * CHUNK_ROWS), min(stop, (k + 1) * CHUNK_ROWS)
            out[lo - start:hi - start] = self._chunks[k][name][lo - k * CHUNK_ROWS:hi - k * CHUNK_ROWS]
        return out

    def encode(self, name: str, value: Any) -> Any:
        """The stored form of ``value``: its code for a string field, else the value itself."""
        codes = self._codes.get(name)
        if codes is None:
            return value
        code = codes.get(value)
        if code is None:
            if len(codes) > np.iinfo(np.uint8).max:
                raise ValueError(f"more than 256 distinct values of {name}")
            code = codes[value] = len(codes)
            self._categories[name].append(value)
        return code

    def decode(self, name: str, stored: np.ndarray) -> np.ndarray:
        """A stored column as values: strings (an object array) for a string field."""
        if name not in self._codes:
            return stored
        return np.asarray(self._categories[name], dtype=object)[stored]


def _dtype(name: str) -> type:
    return np.uint8 if name in CATEGORICAL else NUMERIC[name]


class IncidentLog:
    """Every incident of a run in order of id: the open ones as objects, the closed ones archived.

    ``len()`` counts every incident ever created; ``get`` finds only live ones (the ones
    SimPy processes and units still work on). An incident leaves the live objects at the end
    of the step it closed in (:meth:`archive_closed`), once every process of that step is done
    with it (``record_dispute`` runs after the dispatch centre closes a dispute).

    Whoever wants to hear of new incidents subscribes (:meth:`subscribe`); the log tells them,
    at the end of each step, of the incidents opened during it (:meth:`publish_opened`).
    """

    def __init__(self) -> None:
        self._live: dict[int, Incident] = {}
        self._closed: list[Incident] = []  # closed this step, still live until archive_closed
        self._archive = IncidentArchive()
        self._count = 0
        self._first_live = 0  # no incident below it is live (closed_prefix moves it up)
        self._subscribers: list[Callable[[Incident], None]] = []
        self._opened: list[Incident] = []  # opened this step, kept only while someone listens

    def __len__(self) -> int:
        return self._count

    @property
    def archive(self) -> IncidentArchive:
        """The archived (closed) incidents' columns."""
        return self._archive

    def add(self, inc: Incident) -> None:
        """Log a new incident; its id must be the next one (``len(log)``)."""
        if inc.id != self._count:
            raise ValueError(f"incident id {inc.id}, expected {self._count}: ids are sequential")
        self._live[inc.id] = inc
        self._count += 1
        if self._subscribers:
            self._opened.append(inc)

    def closed_prefix(self) -> int:
        """How many incidents from the first are all closed (archived): the lowest live id.

        Their fields no longer change, so a reader that keeps running totals folds them in once.
        """
        # ids only grow and a closed incident never reopens, so the lowest live id only moves up
        while self._first_live < self._count and self._first_live not in self._live:
            self._first_live += 1
        return self._first_live

    def subscribe(self, callback: Callable[[Incident], None]) -> None:
        """Call ``callback(incident)`` for every incident opened from now on (see :meth:`publish_opened`)."""
        self._subscribers.append(callback)

    def publish_opened(self) -> None:
        """Tell the subscribers of the incidents opened since the last call, in order of id.

        Called at the end of a step, before :meth:`archive_closed`: every field an incident gets
        when it is opened is set by then (its call time included), and one closed in the step it
        was opened in is still its live object.
        """
        opened, self._opened = self._opened, []
        for inc in opened:
            for callback in self._subscribers:
                callback(inc)

    def get(self, inc_id: int) -> Incident | None:
        """The live incident ``inc_id``, or None for an archived (closed) one or no id (-1)."""
        return self._live.get(inc_id)

    def live(self) -> list[Incident]:
        """The live incidents in order of id: the open ones, and those closed this step."""
        return list(self._live.values())

    def read(self, inc_id: int) -> Incident:
        """Incident ``inc_id`` as it is now: the live object, or a copy rebuilt from the archive
        (with no units or event; changing a copy changes nothing).
        """
        inc = self._live.get(inc_id)
        if inc is not None:
            return inc
        if not 0 <= inc_id < self._count:
            raise KeyError(inc_id)
        return Incident(id=inc_id, **self._archive.row(inc_id))

    def close(self, inc: Incident, now: float) -> None:
        """``inc`` closes at ``now``; it is archived at the end of the step."""
        inc.close(now)
        self._closed.append(inc)

    def archive_closed(self) -> None:
        """Move the incidents closed since the last call into the archive, and drop the objects."""
        for inc in self._closed:
            self._archive.put(inc)
            del self._live[inc.id]
        self._closed.clear()

    def record_arrest(self, inc_id: int, now: float) -> None:
        """The offender of ``inc_id`` was arrested at ``now`` (often after the incident closed).
        ``inc_id`` -1 (the crime made no incident) records nothing.
        """
        inc = self._live.get(inc_id)
        if inc is not None:
            inc.arrest(now)
        elif inc_id >= 0:
            self._archive.set(inc_id, "arrested", True)
            self._archive.set(inc_id, "t_capture", now)

    def columns(self, names: Iterable[str] = FIELDS, start: int = 0,
                stop: int | None = None) -> dict[str, np.ndarray]:
        """Fields ``names`` of the incidents ``start .. stop-1`` (default: all) in order of id, as
        arrays: the archive's rows with the live incidents' values laid over their rows;
        strings as object arrays.
        """
        stop = self._count if stop is None else min(stop, self._count)
        live = [inc for inc in self._live.values() if start <= inc.id < stop]
        ids = np.fromiter((inc.id - start for inc in live), np.int64, len(live))
        out = {}
        for name in names:
            stored = self._archive.column(name, stop, start)
            # live strings get codes too (a new one joins the categories, which only grow)
            stored[ids] = [self._archive.encode(name, getattr(inc, name)) for inc in live]
            out[name] = self._archive.decode(name, stored)
        return out

    def objects(self) -> list[Incident]:
        """Every incident as an object, in order of id: the live ones themselves, the archived
        ones rebuilt from their columns (without units). For small runs and tests: a long run's
        readers use :meth:`columns`.
        """
        cols = self.columns()
        values = zip(*(cols[name].tolist() for name in FIELDS), strict=True)
        out = [Incident(id=i, **dict(zip(FIELDS, row, strict=True))) for i, row in enumerate(values)]
        for inc in self._live.values():
            out[inc.id] = inc
        return out
