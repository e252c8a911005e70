"""Spatial displacement of crime: the Weighted Displacement Quotient of Bowers & Johnson (2003).

When police concentrate on a treated area ``A``, crime there may fall and move to the
surroundings (displacement), fall in the surroundings as well (diffusion of benefits), or
simply fall. Bowers and Johnson measure this with crime counts in the treated area ``A``, a
buffer ring ``B`` around it and a control area ``C``, before (``b``) and after (``a``), each
normalised by the control area to remove the city-wide trend:

- success measure  ``S = A_a/C_a - A_b/C_b``: negative when the treated area improved;
- buffer displacement measure ``D = B_a/C_a - B_b/C_b``: positive for displacement,
  negative for diffusion of benefits;
- ``WDQ = D / S``.  Read only when ``S < 0``: ``WDQ > 0`` is diffusion (``> 1``: larger
  than the direct effect), ``WDQ < 0`` displacement (``< -1``: larger than the direct
  effect, so the scheme did more harm than good), ``0`` neither.

Guerette (2009, *Analyzing crime displacement and diffusion*, POP Center) adds the total
net effect in crimes, ``TNE = (A_b*C_a/C_b - A_a) + (B_b*C_a/C_b - B_a)``: crimes prevented
in treated area and buffer together beyond the control trend (positive is good).

In a simulation "before" is the baseline policy's run and "after" the treated policy's run
on the same seed (common random numbers), so every difference comes from the policy.

The formula is undefined when the control area has no crime in either period (every ratio
divides by zero) and when the treated area did not change relative to control (``S = 0``);
both come back as verdict ``"undefined"`` with the reason spelled out, never as NaN.

The areas themselves (treated cells, buffer ring, control area) are drawn by :mod:`polsim.measures.treated_areas`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from polsim.measures.stats import Interval, t_interval

DISPLACEMENT = "displacement"
DIFFUSION = "diffusion of benefits"
NEITHER = "neither"
UNDEFINED = "undefined"


@dataclass(frozen=True)
class AreaCounts:
    """Crime counts in the treated area, buffer and control area, before and after."""

    a_before: float
    a_after: float
    b_before: float
    b_after: float
    c_before: float
    c_after: float

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"crime count {name} must be a finite number >= 0, got {value}")

    def __add__(self, other: AreaCounts) -> AreaCounts:
        return AreaCounts(*(x + y for x, y in zip(asdict(self).values(), asdict(other).values(),
                                                 strict=True)))


@dataclass(frozen=True)
class Displacement:
    """The Bowers-Johnson measures for one set of counts, and what they say.

    Measures that cannot be computed are None; ``reason`` says why, in words a planner reads.
    """

    counts: AreaCounts
    success: float | None
    buffer_measure: float | None
    wdq: float | None
    total_net_effect: float | None
    verdict: str
    reason: str

    def as_dict(self) -> dict:
        """Plain JSON-ready values (counts flattened in)."""
        out = asdict(self.counts)
        out.update(success=self.success, buffer_measure=self.buffer_measure, wdq=self.wdq,
                   total_net_effect=self.total_net_effect, verdict=self.verdict, reason=self.reason)
        return out


def weighted_displacement(counts: AreaCounts, tolerance: float = 0.0) -> Displacement:
    """The WDQ, success measure, buffer measure, total net effect and verdict for ``counts``.

    ``tolerance``: a buffer measure within ``±tolerance`` counts as no change (verdict
    "neither"); 0 reads the sign exactly.
    """
    k = counts
    missing = [p for p, c in (("before", k.c_before), ("after", k.c_after)) if c == 0]
    if missing:
        return Displacement(k, None, None, None, None, UNDEFINED,
                            f"no crime in the control area {' and '.join(missing)}: "
                            "the control-normalised ratios divide by zero")
    success = k.a_after / k.c_after - k.a_before / k.c_before
    buffer = k.b_after / k.c_after - k.b_before / k.c_before
    trend = k.c_after / k.c_before
    tne = (k.a_before * trend - k.a_after) + (k.b_before * trend - k.b_after)
    if success == 0:
        why = ("no crime in the treated area before or after" if k.a_before == k.a_after == 0
               else "no change in the treated area relative to control")
        return Displacement(k, 0.0, buffer, None, tne, UNDEFINED,
                            f"{why} (success measure 0): the WDQ divides by zero")
    wdq = buffer / success
    if success > 0:
        return Displacement(k, success, buffer, wdq, tne, NEITHER,
                            "crime in the treated area did not fall relative to control "
                            "(success measure > 0), so there is nothing to displace; "
                            "the WDQ is not interpreted")
    verdict, reason = _read_buffer(buffer, wdq, tolerance)
    return Displacement(k, success, buffer, wdq, tne, verdict, reason)


def _read_buffer(buffer: float, wdq: float, tolerance: float) -> tuple[str, str]:
    # Bowers & Johnson (2003), Table 1: the sign of the WDQ gives the direction, |WDQ| > 1
    # says the buffer effect outweighs the direct effect in the treated area.
    if abs(buffer) <= tolerance:
        return NEITHER, "crime fell in the treated area; the buffer did not change relative to control"
    size = "larger" if abs(wdq) > 1 else "smaller"
    if buffer > 0:
        net = " (net harm)" if wdq < -1 else ""
        return DISPLACEMENT, (f"crime fell in the treated area and rose in the buffer; the "
                              f"displacement is {size} than the direct effect{net}")
    return DIFFUSION, (f"crime fell in the treated area and in the buffer; the diffusion is "
                       f"{size} than the direct effect")


@dataclass(frozen=True)
class PooledDisplacement:
    """Displacement over replications: WDQ of the summed counts, intervals of the measures.

    The verdict needs a decisive interval: the success measure's interval below zero, then
    the buffer measure's interval above zero (displacement) or below it (diffusion).
    """

    pooled: Displacement
    success: Interval
    buffer_measure: Interval
    wdq: Interval
    verdict: str
    reason: str

    def as_dict(self) -> dict:
        """Plain JSON-ready values."""
        return {"pooled": self.pooled.as_dict(), "success": self.success.as_dict(),
                "buffer_measure": self.buffer_measure.as_dict(), "wdq": self.wdq.as_dict(),
                "verdict": self.verdict, "reason": self.reason}


def pooled_displacement(per_seed: Sequence[AreaCounts], confidence: float = 0.95) -> PooledDisplacement:
    """Combine per-seed counts: the pooled WDQ and a verdict backed by confidence intervals."""
    if not per_seed:
        raise ValueError("pooled_displacement needs at least one set of counts")
    total = per_seed[0]
    for counts in per_seed[1:]:
        total = total + counts
    pooled = weighted_displacement(total)
    each = [weighted_displacement(c) for c in per_seed]
    success = t_interval([d.success for d in each], confidence)
    buffer = t_interval([d.buffer_measure for d in each], confidence)
    wdq = t_interval([d.wdq for d in each], confidence)
    verdict, reason = _read_intervals(pooled, success, buffer, confidence)
    return PooledDisplacement(pooled, success, buffer, wdq, verdict, reason)


def _read_intervals(pooled: Displacement, success: Interval, buffer: Interval,
                    confidence: float) -> tuple[str, str]:
    level = f"{confidence:.0%}"
    if pooled.verdict == UNDEFINED:
        return UNDEFINED, pooled.reason
    if success.n < 2:
        return pooled.verdict, f"{pooled.reason} (one replication: no interval)"
    if not (success.high is not None and success.high < 0):
        return NEITHER, (f"the success measure's {level} interval is not below zero: no decisive "
                         "fall in the treated area relative to control")
    if buffer.low is not None and buffer.low > 0:
        return DISPLACEMENT, (f"crime fell in the treated area and the buffer measure's {level} "
                              "interval is above zero")
    if buffer.high is not None and buffer.high < 0:
        return DIFFUSION, (f"crime fell in the treated area and the buffer measure's {level} "
                           "interval is below zero")
    return NEITHER, (f"crime fell in the treated area; the buffer measure's {level} interval "
                     "includes zero")
