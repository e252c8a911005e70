"""The lattice road network and its travel times: the reference the engine's compiled rule must match.

Nodes are cells; a cell connects to its 8 neighbours. A move between neighbouring cells a and
b whose centres are ``d`` apart (``cell_m``, or ``cell_m`` x sqrt 2 on a diagonal) takes
``(d/2)/v_a + (d/2)/v_b``: half the way in each cell, at that cell's speed. For a vehicle only
cells with ``road_kmh > 0`` are open and ``v = min(speed_kmh, road_kmh) x (1 - s + s x
congestion)`` with ``s`` the unit's congestion sensitivity; on foot only cells with ``foot``
are open and ``v = speed_kmh``. The network is undirected (one-way streets are not kept: a
police car on a call is not held to them). The engine's rule on main adds that a diagonal move
needs both cells beside it open (``diagonal_needs_sides``). Shortest times come from
``scipy.sparse.csgraph.dijkstra``, the well-kept implementation, not a compiled one: this is
the definition to test against, not the engine.
"""

from __future__ import annotations

import numpy as np

NEIGHBOURS = ((0, 1), (1, -1), (1, 0), (1, 1))
"""Half of the 8 directions (the graph is undirected, so each pair is listed once)."""


def cell_speeds(*, road_kmh: np.ndarray, foot: np.ndarray, speed_kmh: float, on_foot: bool = False,
                congestion: float = 1.0, sensitivity: float = 1.0) -> np.ndarray:
    """The speed (km/h) of a unit in every cell; 0 where the cell is closed to it."""
    if on_foot:
        return np.where(foot, float(speed_kmh), 0.0)
    factor = 1.0 - sensitivity + sensitivity * congestion
    return np.where(road_kmh > 0, np.minimum(float(speed_kmh), road_kmh) * factor, 0.0)


def lattice_graph(speed: np.ndarray, cell_m: float, diagonal_needs_sides: bool = False):
    """The network of ``speed`` (km/h per cell, 0 closed) as a sparse matrix of minutes.

    ``diagonal_needs_sides``: a diagonal move is made only when both cells beside it are open
    (no squeezing between two closed cells); off by default, as the definition above.
    """
    from scipy.sparse import coo_matrix

    rows, cols = speed.shape
    idx = np.arange(rows * cols).reshape(rows, cols)
    src, dst, minutes = [], [], []
    for dr, dc in NEIGHBOURS:
        r0, r1 = max(0, -dr), rows - max(0, dr)
        c0, c1 = max(0, -dc), cols - max(0, dc)
        va, vb = speed[r0:r1, c0:c1], speed[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
        open_ = (va > 0) & (vb > 0)
        if diagonal_needs_sides and dr and dc:
            open_ &= (speed[r0 + dr:r1 + dr, c0:c1] > 0) & (speed[r0:r1, c0 + dc:c1 + dc] > 0)
        half_km = cell_m * (np.sqrt(2.0) if dr and dc else 1.0) / 2000.0
        with np.errstate(divide="ignore"):
            t = 60.0 * half_km * (1.0 / va + 1.0 / vb)
        src.append(idx[r0:r1, c0:c1][open_])
        dst.append(idx[r0 + dr:r1 + dr, c0 + dc:c1 + dc][open_])
        minutes.append(t[open_])
    n = rows * cols
    return coo_matrix((np.concatenate(minutes), (np.concatenate(src), np.concatenate(dst))), shape=(n, n)).tocsr()


def travel_minutes(*, road_kmh: np.ndarray, foot: np.ndarray, cell_m: float, origin: tuple[int, int],
                   speed_kmh: float, on_foot: bool = False, congestion: float = 1.0,
                   sensitivity: float = 1.0, diagonal_needs_sides: bool = False) -> np.ndarray:
    """Minutes from the cell ``origin`` (row, col) to every cell (rows x cols); inf where the
    unit cannot go (a closed cell, or one the network does not reach)."""
    from scipy.sparse.csgraph import dijkstra

    speed = cell_speeds(road_kmh=road_kmh, foot=foot, speed_kmh=speed_kmh, on_foot=on_foot,
                        congestion=congestion, sensitivity=sensitivity)
    r, c = origin
    out = np.full(speed.shape, np.inf)
    if speed[r, c] <= 0:
        return out
    graph = lattice_graph(speed, cell_m, diagonal_needs_sides)
    return dijkstra(graph, directed=False, indices=r * speed.shape[1] + c).reshape(speed.shape)
