"""The areas of a displacement study, and displacement measured on them for runs paired with their baselines.

A study has a treated area (the cells a policy treated), a buffer ring around it and a
control area (the rest of the city).

The treated area of a run is the set of cells the policy reported as treated in at least
``treated_share`` of the hourly samples (0.5: the cells it concentrated on for most of the
run; a small value such as 0.01 gives the union of everything it ever treated). A hotspot
policy re-planned daily moves its hotspots, so the end-of-run cells alone would miss most of
what it did, and the union would count cells it visited for a day as treated all week.
:class:`AreaRule` is the one place that turns a run's treated shares into areas, and
:func:`paired_displacement` the one place that measures a run against the baseline's run on
the same seed (common random numbers: "before" is the baseline's crime raster, "after" the
run's), for ``polsim compare``, sweeps and the UI alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import ndimage

from polsim.measures.displacement import (
    UNDEFINED,
    AreaCounts,
    PooledDisplacement,
    pooled_displacement,
    weighted_displacement,
)


@dataclass(frozen=True)
class Areas:
    """Treated cells, buffer ring and control area of one run (boolean rasters)."""

    treated: np.ndarray
    buffer: np.ndarray
    control: np.ndarray

    def counts(self, before: np.ndarray, after: np.ndarray) -> AreaCounts:
        """Crimes of the ``before`` and ``after`` rasters in these areas."""
        return area_counts(before, after, self.treated, self.buffer, self.control)


@dataclass(frozen=True)
class AreaRule:
    """How the areas are drawn: treated-share threshold, buffer width, gap before control."""

    buffer_cells: float = 3.0
    treated_share: float = 0.5
    control_gap: float = 0.0

    def treated(self, share: np.ndarray) -> np.ndarray:
        """The cells treated in at least ``treated_share`` of the samples (never a cell never treated)."""
        share = np.asarray(share)
        return (share >= self.treated_share) & (share > 0)

    def around(self, treated: np.ndarray, passable: np.ndarray) -> Areas:
        """The buffer ring and control area around a treated mask."""
        ring = buffer_ring(treated, self.buffer_cells, within=passable)
        return Areas(treated, ring, control_area(treated, ring, within=passable, gap=self.control_gap))

    def of(self, share: np.ndarray, passable: np.ndarray) -> Areas:
        """The areas of a run from its treated shares: the cells it treated long enough, the ring, the rest."""
        return self.around(self.treated(share), passable)

    def as_dict(self) -> dict[str, float]:
        """JSON-ready settings."""
        return {"buffer_width_cells": self.buffer_cells, "treated_share": self.treated_share,
                "control_gap_cells": self.control_gap}


def buffer_cells_of(buffer_m: float, cell_m: float) -> float:
    """A buffer ``buffer_m`` metres wide in cells of ``cell_m`` metres (the rings work in cells)."""
    if not cell_m > 0:
        raise ValueError(f"cell size must be > 0 m, got {cell_m}")
    return buffer_m / cell_m


SMALL_CONTROL_SHARE = 0.25
"""A control area under this share of the city's passable cells is small: its trend is noisy."""
SMALL_CONTROL_CRIMES = 30
"""A control area with fewer crimes than this in the baseline run cannot carry the city's trend."""
CONTROL_DRIFT = 0.25
"""The control area's crime moving by more than this share (after / before - 1) on its own: the
policy changed crime far from where it acted too, so the control is no neutral background."""


def control_warnings(areas: Areas, counts: AreaCounts, passable: np.ndarray) -> list[str]:
    """Why the WDQ of these areas may not be readable (empty when nothing is amiss).

    Every Bowers-Johnson measure divides by the control area's crime: a small control, or one
    whose crime moved strongly by itself, makes the verdict say more about the control than
    about the treated area.
    """
    out = []
    share = float(areas.control.sum()) / max(1, int(np.count_nonzero(passable)))
    if share < SMALL_CONTROL_SHARE:
        out.append(f"small control area: {int(areas.control.sum())} cells, {share:.0%} of the city")
    if counts.c_before < SMALL_CONTROL_CRIMES:
        out.append(f"few crimes in the control area: {counts.c_before:g} in the baseline run")
    if counts.c_before > 0:
        drift = counts.c_after / counts.c_before - 1
        if abs(drift) > CONTROL_DRIFT:
            out.append(f"the control area moved on its own: crime {counts.c_before:g} -> {counts.c_after:g} "
                       f"({drift:+.0%})")
    return out


@dataclass(frozen=True)
class PairedRun:
    """A run and the baseline's run on the same seed: what a displacement measure needs of them.

    ``before`` and ``after`` are the crime rasters (type x row x col) of the baseline's run and
    of the run; ``treated_share`` and ``passable`` are the run's.
    """

    seed: int
    before: np.ndarray
    after: np.ndarray
    treated_share: np.ndarray
    passable: np.ndarray


@dataclass
class PairedDisplacement:
    """Displacement of one arm against the baseline over its paired runs.

    ``per_seed``: one entry per pair (areas' sizes, then the measures, or an undefined verdict
    and why); ``counted``: the counts of the pairs that could be measured, with their treated
    cells; ``pooled`` and ``by_type``: pooled over those pairs (None and empty when none could be).
    """

    rule: AreaRule
    per_seed: list[dict[str, Any]] = field(default_factory=list)
    counted: list[AreaCounts] = field(default_factory=list)
    treated_cells: list[int] = field(default_factory=list)
    pooled: PooledDisplacement | None = None
    by_type: dict[str, PooledDisplacement] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """compare.json's ``displacement`` entry of the arm."""
        out = {**self.rule.as_dict(), "per_seed": self.per_seed}
        if self.pooled is None:
            return {**out, "verdict": UNDEFINED, "by_type": {},
                    "reason": f"no replication can be measured: {self.per_seed[0]['reason']}"}
        return {**out, **self.pooled.as_dict(), "by_type": {t: p.as_dict() for t, p in self.by_type.items()},
                "warnings": self.warnings}

    @property
    def warnings(self) -> list[str]:
        """Each replication's warnings about its control area, with the seeds that gave them."""
        seeds: dict[str, list[int]] = {}
        for entry in self.per_seed:
            for w in entry.get("warnings", []):
                seeds.setdefault(w.split(":")[0], []).append(entry["seed"])
        return [f"{kind} (seeds {', '.join(map(str, s))})" for kind, s in seeds.items()]


def paired_displacement(pairs: Sequence[PairedRun], rule: AreaRule, types: Sequence[str],
                        confidence: float = 0.95) -> PairedDisplacement:
    """Per-seed and pooled Bowers-Johnson measures of runs against their baselines' runs.

    All crime types together, and pooled per type (``types`` names the rasters' first axis): a
    policy may move robbery next door and stop pickpocketing outright. A pair is not measured
    when the two cities differ or the run treated no cell; it says why in ``per_seed``.
    """
    result = PairedDisplacement(rule)
    typed: dict[str, list[AreaCounts]] = {t: [] for t in types}
    for pair in pairs:
        a = rule.of(pair.treated_share, pair.passable)
        entry = {"seed": pair.seed, "treated_cells": int(a.treated.sum()),
                 "buffer_cells": int(a.buffer.sum()), "control_cells": int(a.control.sum())}
        if pair.after.shape != pair.before.shape:
            entry.update(verdict=UNDEFINED, reason=f"the baseline's city has another grid or other crime "
                         f"types ({pair.before.shape} vs {pair.after.shape}): no common cells to compare")
        elif not a.treated.any():
            entry.update(verdict=UNDEFINED, reason="the policy treated no cells")
        else:
            counts = a.counts(pair.before, pair.after)
            result.counted.append(counts)
            result.treated_cells.append(entry["treated_cells"])
            entry.update(weighted_displacement(counts).as_dict())
            entry["warnings"] = control_warnings(a, counts, pair.passable)
            for k, t in enumerate(types):
                typed[t].append(a.counts(pair.before[k], pair.after[k]))
        result.per_seed.append(entry)
    if result.counted:
        result.pooled = pooled_displacement(result.counted, confidence)
        result.by_type = {t: pooled_displacement(c, confidence) for t, c in typed.items()}
    return result


def buffer_ring(treated: np.ndarray, width: float, within: np.ndarray | None = None) -> np.ndarray:
    """Cells within ``width`` cells (Euclidean, centre to centre) of a treated cell, not treated.

    A disc rather than a square ring, as buffers are drawn in the displacement literature
    (e.g. 200 m around a hotspot). ``within`` (e.g. the passable cells) limits the ring.
    An empty treated mask has an empty ring.
    """
    treated = np.asarray(treated, bool)
    if width < 0:
        raise ValueError(f"buffer width must be >= 0 cells, got {width}")
    if not treated.any() or width == 0:
        return np.zeros_like(treated)
    dist = ndimage.distance_transform_edt(~treated)
    ring = (dist > 0) & (dist <= width)
    return ring & within if within is not None else ring


def control_area(treated: np.ndarray, buffer: np.ndarray, within: np.ndarray | None = None,
                 gap: float = 0.0) -> np.ndarray:
    """The rest of the city: cells neither treated nor in the buffer (nor ``gap`` cells past it).

    ``gap`` keeps a no-man's land between buffer and control, for when the buffer may be too
    narrow to catch all displaced crime; ``within`` limits the control area (e.g. passable
    cells or one district, the "stated alternative" of a study design).
    """
    treated = np.asarray(treated, bool)
    near = treated | np.asarray(buffer, bool)
    if gap > 0 and near.any():
        near = ndimage.distance_transform_edt(~near) <= gap
    control = ~near
    return control & within if within is not None else control


def area_counts(before: np.ndarray, after: np.ndarray, treated: np.ndarray, buffer: np.ndarray,
                control: np.ndarray) -> AreaCounts:
    """Sum two crime rasters (rows x cols, or types x rows x cols) over the three areas."""
    def total(grid: np.ndarray, mask: np.ndarray) -> float:
        grid = np.asarray(grid)
        grid = grid.sum(axis=0) if grid.ndim == 3 else grid
        return float(grid[np.asarray(mask, bool)].sum())

    areas = {"treated": treated, "buffer": buffer, "control": control}
    for one, other in (("treated", "buffer"), ("treated", "control"), ("buffer", "control")):
        if (np.asarray(areas[one], bool) & np.asarray(areas[other], bool)).any():
            raise ValueError(f"the {one} area overlaps the {other} area")
    return AreaCounts(total(before, treated), total(after, treated), total(before, buffer),
                      total(after, buffer), total(before, control), total(after, control))
