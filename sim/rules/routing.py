"""Compiled searches on the lattice's network (the cost rule is :mod:`polsim.rules.travel`).

- :func:`nearest_unit`: Dijkstra outward from an incident, stopped as soon as no unit still
  unseen could beat the best one found: the dispatch centre's choice, and its path.
- :func:`path_costs`: the cost from a cell to each of some cells (tests, reports).
- :func:`cost_field`: the cost from the nearest of many cells to every cell, up to a limit
  (service areas: :mod:`polsim.coverage`).
- :func:`route`: A* from a unit to a target (patrol, return to base, a cordon's post),
  optionally weighted (``greed > 1``) for patrol trips, where a near-shortest path will do.

The network is undirected and its costs symmetric, so a search from the incident gives each
unit's cost *to* it, and a unit's path is the chain of predecessors from its cell back to the
source. Searches keep city-sized scratch (``dist``, ``pred``, ``head``: a :class:`Scratch`)
between calls and reset only the cells they touched, so a short search costs what it
explores, not the city's size.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from polsim.rules.travel import DC8, DR8, SQRT2, move_cost

TRIP_THREADS = 4
"""The most threads that search trips at once (:mod:`polsim.engine.trip_search`), each with its own
:class:`Scratch` of 16 B a cell (24 with the candidates' heads)."""


class Scratch:
    """City-sized working arrays of the searches: costs (inf), predecessors and, per cell, the
    first candidate unit standing there (-1; only :func:`nearest_unit` needs it, so a scratch
    for routes alone has none); every search leaves them as it found them.
    """

    def __init__(self, cells: int, heads: bool = True) -> None:
        self.dist = np.full(cells, np.inf)
        self.pred = np.full(cells, -1, np.int32)
        self.head = np.full(cells if heads else 0, -1, np.int32)


@njit(cache=True, inline="always")
def _push(keys, vals, n, key, val):
    """Push (key, val) on the binary heap of ``n`` items; returns the (maybe grown) arrays."""
    if n == keys.shape[0]:
        keys2, vals2 = np.empty(2 * n + 16), np.empty(2 * n + 16, np.int64)
        keys2[:n], vals2[:n] = keys[:n], vals[:n]
        keys, vals = keys2, vals2
    i = n
    while i > 0:
        parent = (i - 1) // 2
        if keys[parent] <= key:
            break
        keys[i], vals[i] = keys[parent], vals[parent]
        i = parent
    keys[i], vals[i] = key, val
    return keys, vals


@njit(cache=True, inline="always")
def _pop(keys, vals, n):
    """Remove the smallest item of the heap of ``n`` items (n > 0); returns it."""
    key, val = keys[0], vals[0]
    last_k, last_v = keys[n - 1], vals[n - 1]
    n -= 1
    i = 0
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        if child + 1 < n and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= last_k:
            break
        keys[i], vals[i] = keys[child], vals[child]
        i = child
    if n > 0:
        keys[i], vals[i] = last_k, last_v
    return key, val


@njit(cache=True, inline="always")
def _grown(touched, n):
    if n == touched.shape[0]:
        out = np.empty(2 * n + 16, np.int64)
        out[:n] = touched[:n]
        return out
    return touched


@njit(cache=True, inline="always")
def _octile(r, c, tr, tc):
    """Octile distance from (r, c) to (tr, tc), in cell lengths."""
    dr, dc = abs(r - tr), abs(c - tc)
    return max(dr, dc) + (SQRT2 - 1.0) * min(dr, dc)


@njit(cache=True, inline="always")
def _relax(x, d, w, rows, cols, dist, pred, keys, vals, n_heap, touched, n_touched, h, tr, tc):
    """Offer every neighbour of ``x`` (settled at cost ``d``) a way through ``x``: a cheaper one
    is recorded (cost, predecessor) and queued under its cost, plus ``h`` times its octile
    distance to the target cell (tr, tc) for A* (``h = 0``: plain Dijkstra). Returns the grown
    arrays and counts.
    """
    xr, xc = x // cols, x % cols
    for m in range(8):
        dr, dc = DR8[m], DC8[m]
        yr, yc = xr + dr, xc + dc
        if yr < 0 or yr >= rows or yc < 0 or yc >= cols:
            continue
        y = x + dr * cols + dc
        nd = d + move_cost(w, x, dr, dc, cols)
        if nd < dist[y]:
            if dist[y] == np.inf:
                touched = _grown(touched, n_touched)
                touched[n_touched] = y
                n_touched += 1
            dist[y] = nd
            pred[y] = x
            key = nd + h * _octile(yr, yc, tr, tc) if h > 0.0 else nd
            keys, vals = _push(keys, vals, n_heap, key, y)
            n_heap += 1
    return keys, vals, n_heap, touched, n_touched


@njit(cache=True)
def _path_back(start, src, pred):
    """The cells from ``start`` back along the predecessors to ``src`` (both included)."""
    n, x = 1, start
    while x != src:
        x = pred[x]
        n += 1
    out = np.empty(n, np.int64)
    x = start
    for k in range(n):
        out[k] = x
        if k < n - 1:
            x = pred[x]
    return out


@njit(cache=True)
def _reset(dist, pred, touched, n):
    for k in range(n):
        dist[touched[k]] = np.inf
        pred[touched[k]] = -1


@njit(cache=True)
def nearest_unit(src, w, rows, cols, cand_cell, cand_rate, best_t, dist, pred, head, w_min, w_max, prune=True):
    """The candidate that reaches cell ``src`` first on the network of slowness ``w``.

    Candidate ``k`` stands on flat cell ``cand_cell[k]`` and covers ``cand_rate[k]`` cell
    lengths a minute. Only a candidate faster than ``best_t`` minutes counts (a bound from
    another mode's units, or inf). Returns ``(k, minutes, path)`` with the path from the
    candidate's cell to ``src``, or ``(-1, best_t, empty)`` when none beats the bound. Ties go
    to the lower ``k``.

    Dijkstra on a bucket queue (Dial's): ``w_min`` and ``w_max`` are the least and the largest
    finite slowness, so every move costs at least ``delta = 2 w_min`` and at most ``2 sqrt 2
    w_max``. Cells are kept in buckets of width ``delta`` by cost; no move from a cell can
    lead back into its own bucket, so every cell of the lowest bucket has its final cost and
    the bucket is taken whole, in any order, without a heap's ordering (about twice as fast as
    a heap on the loaded citywide week, the same unit in every search compared; the figures are
    in docs/performance.md). A ring
    of ``2 sqrt 2 w_max / delta + 2`` buckets holds every cost the frontier can have.

    The search stops once no candidate still unseen can arrive by ``best_t``: a candidate
    ``k`` is out when the frontier's cost, or its own lower bound (its octile distance times
    ``2 w_min``, no less than its network cost), is past ``best_t`` at its rate. Without
    ``prune`` the search runs on while the frontier, at the fastest candidate's rate, is within
    ``best_t`` (as before the bound; the same answer, more cells). Either way the search is the
    same sequence of buckets cut sooner or later, so the unit, its time and its path do not
    depend on ``prune``.
    """
    n_cand = cand_cell.shape[0]
    if n_cand == 0 or w[src] == np.inf:
        return -1, best_t, np.empty(0, np.int64)
    nxt = np.full(n_cand, -1, np.int64)
    lower = np.full(n_cand, -1.0)  # each candidate's least possible cost, worked out when first needed
    alive = np.ones(n_cand, np.bool_)
    sr, sc = src // cols, src % cols
    max_rate = 0.0  # the fastest rate among candidates that may still arrive by best_t
    for k in range(n_cand - 1, -1, -1):  # each cell's list in increasing k
        nxt[k] = head[cand_cell[k]]
        head[cand_cell[k]] = k
        max_rate = max(max_rate, cand_rate[k])
    delta = 2.0 * w_min
    n_rings = int(2.0 * SQRT2 * w_max / delta) + 2
    count = np.zeros(n_rings, np.int64)
    store = np.empty((n_rings, 64), np.int64)
    touched = np.empty(64, np.int64)
    dist[src] = 0.0
    touched[0] = src
    store[0, 0] = src
    count[0] = 1
    n_touched, pending, bucket = 1, 1, 0
    best_k = -1
    stale = best_t < np.inf  # max_rate may be too high: recount it after this bucket
    # The neighbour loop is written out here rather than shared with _relax: helpers that hand
    # arrays back cost reference counting on every cell (twice the search's time, measured).
    while pending > 0 and bucket * delta / max_rate <= best_t:
        ring = bucket % n_rings
        i = 0
        while i < count[ring]:  # cells may join the bucket being taken (rounding): take them too
            x = store[ring, i]
            i += 1
            pending -= 1
            d = dist[x]
            if int(d / delta) != bucket:
                continue  # a stale entry: the cell was reached more cheaply since
            k = head[x]
            while k >= 0:
                t = d / cand_rate[k]
                if t < best_t or (t == best_t and best_k >= 0 and k < best_k):
                    best_t, best_k = t, k
                    stale = True
                if alive[k]:
                    alive[k] = False
                    stale = stale or cand_rate[k] == max_rate
                k = nxt[k]
            xr, xc = x // cols, x % cols
            for m in range(8):
                yr, yc = xr + DR8[m], xc + DC8[m]
                if yr < 0 or yr >= rows or yc < 0 or yc >= cols:
                    continue
                y = yr * cols + yc
                nd = d + move_cost(w, x, DR8[m], DC8[m], cols)
                if nd < dist[y]:
                    if dist[y] == np.inf:
                        touched = _grown(touched, n_touched)
                        touched[n_touched] = y
                        n_touched += 1
                    dist[y] = nd
                    pred[y] = x
                    b = int(nd / delta) % n_rings
                    if count[b] == store.shape[1]:
                        grown = np.empty((n_rings, 2 * store.shape[1]), np.int64)
                        grown[:, :store.shape[1]] = store
                        store = grown
                    store[b, count[b]] = y
                    count[b] += 1
                    pending += 1
        count[ring] = 0
        bucket += 1
        if prune and stale:
            max_rate, stale = 0.0, False
            for k in range(n_cand):
                if alive[k] and lower[k] < 0.0:
                    # every move costs at least 2 w_min a cell length of the octile distance;
                    # shaved by a relative 1e-9 against the rounding of the search's sums
                    kr, kc = cand_cell[k] // cols, cand_cell[k] % cols
                    lower[k] = 2.0 * w_min * _octile(kr, kc, sr, sc) * (1.0 - 1e-9)
                if alive[k] and cand_rate[k] > 0.0 and lower[k] / cand_rate[k] > best_t:
                    alive[k] = False
                if alive[k]:
                    max_rate = max(max_rate, cand_rate[k])
            if max_rate == 0.0:
                break  # no candidate left that could arrive in time
    path = _path_back(cand_cell[best_k], src, pred) if best_k >= 0 else np.empty(0, np.int64)
    _reset(dist, pred, touched, n_touched)
    for k in range(n_cand):
        head[cand_cell[k]] = -1
    return best_k, best_t, path


@njit(cache=True)
def path_costs(src, w, rows, cols, targets, dist, pred):
    """The network cost from ``src`` to each flat cell of ``targets`` (inf where unreachable),
    searching only until every target is settled.
    """
    out = np.full(targets.shape[0], np.inf)
    if w[src] == np.inf or targets.shape[0] == 0:
        return out
    remaining = 0
    wanted = np.zeros(w.shape[0], np.bool_)
    for k in range(targets.shape[0]):
        if not wanted[targets[k]]:
            wanted[targets[k]] = True
            remaining += 1
    keys, vals = np.empty(64), np.empty(64, np.int64)
    touched = np.empty(64, np.int64)
    dist[src] = 0.0
    touched[0] = src
    n_touched = 1
    keys, vals = _push(keys, vals, 0, 0.0, src)
    n_heap = 1
    while n_heap > 0 and remaining > 0:
        d, x = _pop(keys, vals, n_heap)
        n_heap -= 1
        if d > dist[x]:
            continue
        if wanted[x]:
            wanted[x] = False
            remaining -= 1
        keys, vals, n_heap, touched, n_touched = _relax(x, d, w, rows, cols, dist, pred, keys, vals, n_heap,
                                                        touched, n_touched, 0.0, 0, 0)
    for k in range(targets.shape[0]):
        out[k] = dist[targets[k]]
    _reset(dist, pred, touched, n_touched)
    return out


@njit(cache=True)
def route(src, dst, w, rows, cols, w_min, greed, dist, pred):
    """A path from flat cell ``src`` to ``dst`` (both included; empty if unreachable) by A*.

    The heuristic, ``octile distance * 2 w_min`` (``w_min`` the least slowness of any cell), is
    a lower bound of the remaining cost, so with ``greed = 1`` the path is a shortest one;
    ``greed > 1`` weights it and finds a path at most ``greed`` times the shortest, exploring
    far fewer cells (patrol trips, where a near-shortest path will do).
    """
    if w[src] == np.inf or w[dst] == np.inf:
        return np.empty(0, np.int64)
    h = 2.0 * w_min * greed
    tr, tc = dst // cols, dst % cols
    keys, vals = np.empty(64), np.empty(64, np.int64)
    touched = np.empty(64, np.int64)
    dist[src] = 0.0
    touched[0] = src
    n_touched = 1
    keys, vals = _push(keys, vals, 0, h * _octile(src // cols, src % cols, tr, tc), src)
    n_heap = 1
    found = False
    while n_heap > 0:
        f, x = _pop(keys, vals, n_heap)
        n_heap -= 1
        if x == dst:
            found = True
            break
        d = dist[x]
        if f - h * _octile(x // cols, x % cols, tr, tc) > d + 1e-12:
            continue  # a stale entry
        keys, vals, n_heap, touched, n_touched = _relax(x, d, w, rows, cols, dist, pred, keys, vals, n_heap,
                                                        touched, n_touched, h, tr, tc)
    path = _path_back(dst, src, pred)[::-1].copy() if found else np.empty(0, np.int64)
    _reset(dist, pred, touched, n_touched)
    return path


@njit(cache=True, nogil=True)  # without the GIL: polsim.engine.trip_search runs it on several threads
def routes(srcs, dsts, w, rows, cols, w_min, greed, dist, pred):
    """:func:`route` for many trips at once: the paths laid end to end in one array, with each
    trip's start in it and length (0: no path).
    """
    n = srcs.shape[0]
    starts, lengths = np.zeros(n, np.int64), np.zeros(n, np.int64)
    arena = np.empty(256, np.int64)
    used = 0
    for k in range(n):
        path = route(srcs[k], dsts[k], w, rows, cols, w_min, greed, dist, pred)
        if used + path.shape[0] > arena.shape[0]:
            grown = np.empty(2 * (used + path.shape[0]), np.int64)
            grown[:used] = arena[:used]
            arena = grown
        arena[used:used + path.shape[0]] = path
        starts[k], lengths[k] = used, path.shape[0]
        used += path.shape[0]
    return arena[:used], starts, lengths


@njit(cache=True)
def cost_field(srcs, w, rows, cols, limit, dist):
    """Dijkstra outward from every flat cell of ``srcs`` at once (each at cost 0), settling
    every cell whose cost is at most ``limit`` (inf: the whole network): a service area.

    The costs are written into ``dist`` (city-sized, all inf on entry: a :class:`Scratch`'s
    or a fresh array); returns the cells it wrote, so a caller that reuses ``dist`` resets
    only those. Cells costlier than ``limit`` may be written too (the frontier): callers
    compare with ``limit`` themselves.
    """
    keys, vals = np.empty(64), np.empty(64, np.int64)
    touched = np.empty(64, np.int64)
    pred = np.empty(dist.shape[0], np.int64)  # the shared relaxation records it; a service area needs none
    n_heap, n_touched = 0, 0
    for k in range(srcs.shape[0]):
        s = srcs[k]
        if w[s] == np.inf or dist[s] == 0.0:
            continue
        if dist[s] == np.inf:
            touched = _grown(touched, n_touched)
            touched[n_touched] = s
            n_touched += 1
        dist[s] = 0.0
        keys, vals = _push(keys, vals, n_heap, 0.0, s)
        n_heap += 1
    while n_heap > 0:
        d, x = _pop(keys, vals, n_heap)
        n_heap -= 1
        if d > dist[x]:
            continue  # a stale entry
        if d > limit:
            break
        keys, vals, n_heap, touched, n_touched = _relax(x, d, w, rows, cols, dist, pred, keys, vals, n_heap,
                                                        touched, n_touched, 0.0, 0, 0)
    return touched[:n_touched].copy()
