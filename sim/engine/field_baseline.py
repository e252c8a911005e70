"""The baseline crime field A0 and the crime-type tables the offender rule draws from.

A scenario sets A0 in one of two ways:

- by land use (the default): ``A0 = field.a0_per_min * field.land_use_weight[land use]``, and
  the type of a crime is drawn from the mix of its cell's land use (the crime types' weights
  times their land-use affinities);
- by a raster (``field.baseline``, a ``.npz`` file beside the scenario, usually written by
  ``polsim calibrate``): ``a0[type, row, col]`` in crimes per offender-minute at an hour
  factor of 1. A0 at a cell is the sum over types, and a crime there takes the cell's own mix.

Either way the offender rule gets ``(a0, type_label, type_cdf)``: it draws a crime's type from
``type_cdf[type_label[r, c]]``, so the label raster is the land use in the first case and the
cell's own index in the second, and the compiled rule is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from polsim.scenario.validate import ScenarioError

if TYPE_CHECKING:
    from polsim.cities.city import City
    from polsim.scenario.schema import ScenarioSpec

BASELINE_FIELD = "field.baseline"


class CrimeField(NamedTuple):
    """What the offender rule reads: A0 per cell, the type-label raster and the type table."""

    a0: np.ndarray
    type_label: np.ndarray
    type_cdf: np.ndarray


def crime_field(spec: ScenarioSpec, city: City, scenario_file: str | None = None) -> CrimeField:
    """A0 and the type tables of a scenario on its city (``scenario_file`` anchors
    a relative ``field.baseline`` path; without a file, the working directory does).
    """
    if not spec.field.baseline:
        return _land_use_field(spec, city)
    path = baseline_path(spec.field.baseline, scenario_file)
    a0 = load_baseline(path, list(spec.crimes), city.rows, city.cols, scenario_file or str(path))
    return baseline_field(a0, city.passable)


def _land_use_field(spec: ScenarioSpec, city: City) -> CrimeField:
    from polsim.scenario.schema import LAND_USES

    f = spec.field
    weight = np.array([f.land_use_weight.get(lu, 1.0) for lu in LAND_USES])
    a0 = (f.a0_per_min * weight[city.land_use] * city.passable).astype(np.float64)
    types = list(spec.crimes.values())
    w = np.array([[ct.weight * ct.affinity.get(lu, 1.0) for ct in types] for lu in LAND_USES])
    return CrimeField(a0, city.land_use, _cdf(w))


def baseline_field(a0_by_type: np.ndarray, passable: np.ndarray) -> CrimeField:
    """The field of a raster ``a0[type, row, col]``: A0 its sum over types, each cell its own mix.

    A cell with no baseline of its own can still see a crime (the repeat-victimisation field
    B spreads to it); such a crime takes the city-wide mix.
    """
    a0 = np.asarray(a0_by_type, np.float64) * passable
    mix = a0.reshape(a0.shape[0], -1).T.copy()  # (cells, types)
    empty = mix.sum(axis=1) <= 0
    mix[empty] = a0.sum(axis=(1, 2)) if a0.sum() > 0 else 1.0
    label = np.arange(passable.size, dtype=np.int64).reshape(passable.shape)
    return CrimeField(a0.sum(axis=0), label, _cdf(mix))


def _cdf(weights: np.ndarray) -> np.ndarray:
    """Rows of weights as cumulative distributions (a row of zeros stays zeros)."""
    totals = weights.sum(axis=1, keepdims=True)
    return np.cumsum(np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0), axis=1)


def baseline_path(baseline: str, scenario_file: str | None) -> Path:
    """``field.baseline`` as a path: absolute as given, else relative to the scenario's folder."""
    path = Path(baseline)
    if path.is_absolute() or not scenario_file or scenario_file.startswith("<"):
        return path
    return Path(scenario_file).parent / path


def load_baseline(path: Path, types: Sequence[str], rows: int, cols: int, file: str) -> np.ndarray:
    """Read ``a0[type, row, col]`` (types in the order of ``types``) from a baseline file.

    The file's ``types`` array names its layers; a scenario type it lacks gets zeros. Any
    problem is a one-line :class:`ScenarioError` naming ``file`` and ``field.baseline``.
    """
    def bad(problem: str) -> ScenarioError:
        return ScenarioError(file, BASELINE_FIELD, f"{path}: {problem}")

    try:
        with np.load(path, allow_pickle=False) as npz:
            a0, names = np.asarray(npz["a0"], np.float64), [str(t) for t in npz["types"]]
    except FileNotFoundError:
        raise bad("file not found") from None
    except (OSError, ValueError, KeyError) as err:
        raise bad(f"not a baseline file (a .npz with arrays a0[type, row, col] and types): "
                  f"{str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
    if a0.ndim != 3 or a0.shape[0] != len(names) or a0.shape[1:] != (rows, cols):
        raise bad(f"a0 has shape {a0.shape}; must be ({len(names)} types, {rows}, {cols}) to match the city")
    if not np.isfinite(a0).all() or (a0 < 0).any():
        raise bad("a0 must be finite and >= 0 everywhere")
    unknown = [t for t in names if t not in types]
    if unknown:
        raise bad(f"unknown crime type {unknown[0]!r}; allowed: {', '.join(types)}")
    out = np.zeros((len(types), rows, cols))
    for k, name in enumerate(names):
        out[list(types).index(name)] = a0[k]
    return out
