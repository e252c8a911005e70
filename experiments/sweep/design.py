"""Designs: the parameter points a sweep visits (a full grid, or a Latin hypercube or Sobol sample).

A grid crosses every listed value of every parameter. A Latin hypercube or a scrambled Sobol
sequence (``scipy.stats.qmc``, seeded, so a spec always gives the same points) spreads ``N``
points over the box of ranges: far fewer runs than a grid when there are several parameters,
and every one-dimensional projection is still evenly covered.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.stats import qmc

GRID, LHS, SOBOL = "grid", "lhs", "sobol"
METHODS = (GRID, LHS, SOBOL)


def grid_points(values: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the listed values, the first parameter varying slowest."""
    names = list(values)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values.values())]


def sample_points(method: str, ranges: Mapping[str, tuple[float, float, bool]], n: int,
                  seed: int) -> list[dict[str, float | int]]:
    """``n`` points in the box ``ranges[name] = (low, high, integer)`` by ``lhs`` or ``sobol``.

    Integer parameters take ``floor(low + u * (high - low + 1))``, so each integer in
    ``[low, high]`` gets an equal share of the unit interval.
    """
    if method == LHS:
        unit = qmc.LatinHypercube(d=len(ranges), rng=np.random.default_rng(seed)).random(n)
    elif method == SOBOL:
        unit = qmc.Sobol(d=len(ranges), scramble=True, rng=np.random.default_rng(seed)).random(n)
    else:
        raise ValueError(f"sample method must be {LHS} or {SOBOL}, got {method!r}")
    points = []
    for row in unit:
        point: dict[str, float | int] = {}
        for u, (name, (low, high, integer)) in zip(row, ranges.items(), strict=True):
            if integer:
                point[name] = int(min(high, np.floor(low + u * (high - low + 1))))
            else:
                point[name] = float(low + u * (high - low))
        points.append(point)
    return points
