"""Displacement of each policy against the baseline run of the same seed.

The treated area of a run is the set of cells the policy reported as treated in at least
``treated_share`` of the hourly samples (0.5: the cells it concentrated on for most of the
run; a small value such as 0.01 gives the union of everything it ever treated). A hotspot
policy re-planned daily moves its hotspots, so the end-of-run cells alone would miss most of
what it did, and the union would count cells it visited for a day as treated all week.

"Before" is the baseline policy's crime raster and "after" the policy's, on the same seed:
with common random numbers the difference between them is the policy's doing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from polsim.compare.runs import RunResult
from polsim.displacement import (
    UNDEFINED,
    AreaCounts,
    area_counts,
    buffer_ring,
    control_area,
    pooled_displacement,
    weighted_displacement,
)


@dataclass(frozen=True)
class Areas:
    """Treated cells, buffer ring and control area of one run (boolean rasters)."""

    treated: np.ndarray
    buffer: np.ndarray
    control: np.ndarray


@dataclass(frozen=True)
class AreaRule:
    """How the areas are drawn: treated-share threshold, buffer width, gap before control."""

    buffer_cells: float = 3.0
    treated_share: float = 0.5
    control_gap: float = 0.0

    def around(self, treated: np.ndarray, passable: np.ndarray) -> Areas:
        """The buffer ring and control area around a treated mask."""
        ring = buffer_ring(treated, self.buffer_cells, within=passable)
        return Areas(treated, ring, control_area(treated, ring, within=passable, gap=self.control_gap))

    def of(self, run: RunResult) -> Areas:
        """The areas of ``run``: the cells it treated long enough, the ring, the rest."""
        treated = (run.treated_share >= self.treated_share) & (run.treated_share > 0)
        return self.around(treated, run.passable)

    def as_dict(self) -> dict[str, float]:
        """JSON-ready settings."""
        return {"buffer_width_cells": self.buffer_cells, "treated_share": self.treated_share,
                "control_gap_cells": self.control_gap}


def displacement_of(policy_runs: Sequence[RunResult], baseline_runs: Sequence[RunResult],
                    rule: AreaRule, confidence: float = 0.95) -> dict[str, Any]:
    """Per-seed and pooled Bowers-Johnson measures of one policy against the baseline.

    All crime types together, and pooled per type under ``by_type`` (a policy may move
    robbery next door and stop pickpocketing outright).
    """
    types = list(policy_runs[0].summary["crimes"]["by_type"])
    per_seed, counted = [], []
    typed: dict[str, list[AreaCounts]] = {t: [] for t in types}
    for run, base in zip(policy_runs, baseline_runs, strict=True):
        if run.job.seed != base.job.seed:
            raise ValueError(f"seeds do not pair: {run.job.seed} vs {base.job.seed}")
        a = rule.of(run)
        entry = {"seed": run.job.seed, "treated_cells": int(a.treated.sum()),
                 "buffer_cells": int(a.buffer.sum()), "control_cells": int(a.control.sum())}
        if run.crimes.shape != base.crimes.shape:
            entry.update(verdict=UNDEFINED, reason=f"the baseline's city has another grid or other crime "
                         f"types ({base.crimes.shape} vs {run.crimes.shape}): no common cells to compare")
        elif not a.treated.any():
            entry.update(verdict=UNDEFINED, reason="the policy treated no cells")
        else:
            counts = area_counts(base.crimes, run.crimes, a.treated, a.buffer, a.control)
            counted.append(counts)
            entry.update(weighted_displacement(counts).as_dict())
            for k, t in enumerate(types):
                typed[t].append(area_counts(base.crimes[k], run.crimes[k], a.treated, a.buffer, a.control))
        per_seed.append(entry)
    settings = rule.as_dict()
    if not counted:
        return {**settings, "per_seed": per_seed, "verdict": UNDEFINED, "by_type": {},
                "reason": f"no replication can be measured: {per_seed[0]['reason']}"}
    by_type = {t: pooled_displacement(c, confidence).as_dict() for t, c in typed.items()}
    return {**settings, "per_seed": per_seed, **pooled_displacement(counted, confidence).as_dict(),
            "by_type": by_type}


def consensus_areas(runs: Sequence[RunResult], rule: AreaRule) -> Areas:
    """Cells treated in at least half the replications, with their ring: what maps outline."""
    treated = np.mean([rule.of(r).treated for r in runs], axis=0) >= 0.5
    return rule.around(treated, runs[0].passable)
