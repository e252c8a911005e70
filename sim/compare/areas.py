"""Displacement of each arm against the baseline run of the same seed.

"Before" is the baseline arm's crime raster and "after" the arm's, on the same seed: with
common random numbers the difference between them is the arm's doing. The areas come from
:class:`polsim.areas.AreaRule` (the treated cells of the arm's run, the ring, the rest).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from polsim.areas import AreaRule, Areas
from polsim.displacement import UNDEFINED, AreaCounts, pooled_displacement, weighted_displacement
from polsim.runs import RunResult


def areas_of(run: RunResult, rule: AreaRule) -> Areas:
    """The areas of one run (which kept its maps)."""
    return rule.of(run.treated_share, run.passable)


def displacement_of(arm_runs: Sequence[RunResult], baseline_runs: Sequence[RunResult],
                    rule: AreaRule, confidence: float = 0.95) -> dict[str, Any]:
    """Per-seed and pooled Bowers-Johnson measures of one arm against the baseline.

    All crime types together, and pooled per type under ``by_type`` (a policy may move
    robbery next door and stop pickpocketing outright).
    """
    types = list(arm_runs[0].summary["crimes"]["by_type"])
    per_seed, counted = [], []
    typed: dict[str, list[AreaCounts]] = {t: [] for t in types}
    for run, base in zip(arm_runs, baseline_runs, strict=True):
        if run.run.seed != base.run.seed:
            raise ValueError(f"seeds do not pair: {run.run.seed} vs {base.run.seed}")
        a = areas_of(run, rule)
        entry = {"seed": run.run.seed, "treated_cells": int(a.treated.sum()),
                 "buffer_cells": int(a.buffer.sum()), "control_cells": int(a.control.sum())}
        if run.crimes.shape != base.crimes.shape:
            entry.update(verdict=UNDEFINED, reason=f"the baseline's city has another grid or other crime "
                         f"types ({base.crimes.shape} vs {run.crimes.shape}): no common cells to compare")
        elif not a.treated.any():
            entry.update(verdict=UNDEFINED, reason="the policy treated no cells")
        else:
            counts = a.counts(base.crimes, run.crimes)
            counted.append(counts)
            entry.update(weighted_displacement(counts).as_dict())
            for k, t in enumerate(types):
                typed[t].append(a.counts(base.crimes[k], run.crimes[k]))
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
    treated = np.mean([rule.treated(r.treated_share) for r in runs], axis=0) >= 0.5
    return rule.around(treated, runs[0].passable)
