"""Many trips' paths searched on several threads at once: the same paths as on one, sooner.

A step of a large city starts hundreds of patrol trips (the citywide scenario about 250), each
a short A* search, and every trip's search is independent of the others. They are split into
contiguous parts, one a thread, each part searched with its own scratch by the compiled
:func:`polsim.rules.routing.routes`, which releases the GIL, so Python threads run the parts
side by side. Every trip's path is the one a single thread finds, so results do not depend on
the number of threads.

The threads are Numba's count for the calling thread (:mod:`polsim.engine.threads` pins it to one in
sweep workers), at most :data:`polsim.rules.routing.TRIP_THREADS`.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from polsim.rules.routing import TRIP_THREADS, Scratch, routes

TRIPS_PER_THREAD = 32
"""A thread gets at least this many trips: handing a part to a thread costs about as much as a
few trips' searches."""

_pool: tuple[int, ThreadPoolExecutor] | None = None


def _executor() -> ThreadPoolExecutor:
    """The process's pool of helper threads, made again in a forked child (which has none)."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ThreadPoolExecutor(TRIP_THREADS - 1, thread_name_prefix="polsim-trips"))
    return _pool[1]


def thread_count(trips: int) -> int:
    """How many threads search ``trips`` trips."""
    return max(1, min(numba.get_num_threads(), TRIP_THREADS, trips // TRIPS_PER_THREAD))


def search_trips(srcs: np.ndarray, dsts: np.ndarray, w: np.ndarray, rows: int, cols: int, w_min: float,
                 greed: float, scratches: list[Scratch]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`polsim.rules.routing.routes` of the trips ``srcs[k] -> dsts[k]``, on one thread per
    scratch (the calling thread takes the first part): the paths end to end, each trip's start
    in them and its length.
    """
    if len(scratches) == 1:  # a small city's few trips: no parts to split and join
        return routes(srcs, dsts, w, rows, cols, w_min, greed, scratches[0].dist, scratches[0].pred)
    parts = np.array_split(np.arange(srcs.shape[0]), len(scratches))

    def search(part: np.ndarray, scratch: Scratch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return routes(srcs[part], dsts[part], w, rows, cols, w_min, greed, scratch.dist, scratch.pred)

    helpers = [_executor().submit(search, part, scratch) for part, scratch in zip(parts[1:], scratches[1:],
                                                                                    strict=True)]
    found = [search(parts[0], scratches[0])] + [helper.result() for helper in helpers]
    offsets = np.cumsum([0] + [arena.shape[0] for arena, _, _ in found[:-1]])
    arena = np.concatenate([a for a, _, _ in found])
    starts = np.concatenate([s + offset for (_, s, _), offset in zip(found, offsets, strict=True)])
    lengths = np.concatenate([n for _, _, n in found])
    return arena, starts, lengths
