"""Patrol zones a policy draws on the city: equal tiles, their centres, units shared out over them.

Beats, layered zones and motorcycle staging areas are all "cut the city into n areas of
about equal size and give every unit one". The cut is a checkerboard: horizontal bands,
each split into columns, with as many tiles per band as keeps the tiles near square.
Units go to areas by a balanced assignment that minimises the distance from their bases,
so every area gets its share and no unit is sent across the city to reach its own.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.optimize import linear_sum_assignment


def tile_labels(rows: int, cols: int, n: int) -> np.ndarray:
    """A ``rows`` x ``cols`` raster cut into ``n`` near-square tiles of equal area, labelled 0..n-1."""
    if n < 1:
        raise ValueError(f"need at least one tile, got {n}")
    bands = int(np.clip(round(np.sqrt(n * rows / cols)), 1, min(n, rows)))
    per_band = np.full(bands, n // bands)
    per_band[: n % bands] += 1
    # band heights in proportion to their tile counts, so every tile has the same area
    row_edges = np.round(np.concatenate([[0], np.cumsum(per_band)]) * rows / n).astype(int)
    labels = np.empty((rows, cols), np.int64)
    first = 0
    for b in range(bands):
        k = int(per_band[b])
        col_edges = np.round(np.arange(k + 1) * cols / k).astype(int)
        col_tile = np.searchsorted(col_edges[1:], np.arange(cols), side="right")
        labels[row_edges[b]: row_edges[b + 1], :] = first + np.minimum(col_tile, k - 1)
        first += k
    return labels


def area_centres(labels: np.ndarray, passable: np.ndarray) -> np.ndarray:
    """The passable cell nearest the centroid of each label, as an (n, 2) array of (row, col)."""
    n = int(labels.max()) + 1
    rr, cc = np.indices(labels.shape)
    counts = np.maximum(np.bincount(labels.ravel(), minlength=n), 1)
    mr = (np.bincount(labels.ravel(), rr.ravel(), n) / counts).astype(int)
    mc = (np.bincount(labels.ravel(), cc.ravel(), n) / counts).astype(int)
    _, nearest = ndimage.distance_transform_edt(~passable, return_indices=True)
    return np.stack([nearest[0][mr, mc], nearest[1][mr, mc]], axis=1).astype(np.int64)


def assign_balanced(from_r: np.ndarray, from_c: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The area of each unit: every area gets ceil or floor of units/areas, nearest bases first.

    A minimum-cost assignment of units to area slots on the street distance from each
    unit's base to the area's centre: every area has ``units // areas`` slots that must be
    filled and, when the division leaves a remainder, one more that costs extra (more than
    any distance), so the remainder goes to the areas it suits best.
    """
    n_units, n_areas = len(from_r), len(centres)
    if n_units == 0:
        return np.zeros(0, np.int64)
    must = np.tile(np.arange(n_areas), n_units // n_areas)
    extra = np.arange(n_areas) if n_units % n_areas else np.zeros(0, np.int64)
    slots = np.concatenate([must, extra])
    cost = (np.abs(from_r[:, None] - centres[slots, 0][None, :])
            + np.abs(from_c[:, None] - centres[slots, 1][None, :])).astype(float)
    cost[:, must.size:] += 1.0 + cost.max()
    rows, cols = linear_sum_assignment(cost)
    out = np.empty(n_units, np.int64)
    out[rows] = slots[cols]
    return out
