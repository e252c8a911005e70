"""Case 4: the Weighted Displacement Quotient (Bowers & Johnson 2003) on constructed examples.

Each example gives counts in treated area A, buffer B and control C before and after, and
the hand calculation of the success measure S = A_a/C_a - A_b/C_b, the buffer measure
D = B_a/C_a - B_b/C_b and WDQ = D/S, written out as fractions so a reader can redo it.
The undefined cases (no control crime, S = 0) must come back as verdict "undefined" with a
reason, never as a number.
"""

from __future__ import annotations

from dataclasses import dataclass

from polsim.measures.displacement import AreaCounts, Displacement, weighted_displacement


@dataclass(frozen=True)
class WDQExample:
    """Counts (A_b, A_a, B_b, B_a, C_b, C_a), the hand-calculated S, D, WDQ and verdict."""

    name: str
    counts: tuple[float, float, float, float, float, float]
    hand: str
    success: float | None
    buffer: float | None
    wdq: float | None
    verdict: str

    def polsim(self) -> Displacement:
        """What polsim computes for these counts."""
        return weighted_displacement(AreaCounts(*self.counts))

    def agrees(self, tol: float = 1e-12) -> bool:
        """Polsim's S, D, WDQ and verdict equal the hand calculation."""
        got = self.polsim()
        return (got.verdict == self.verdict and _same(got.wdq, self.wdq, tol)
                and _same(got.success, self.success, tol) and _same(got.buffer_measure, self.buffer, tol))


def _same(a: float | None, b: float | None, tol: float) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= tol)


EXAMPLES = (
    WDQExample("displacement, flat control", (100, 60, 80, 90, 1000, 1000),
               "S = 60/1000 - 100/1000 = -0.04; D = 90/1000 - 80/1000 = 0.01; WDQ = 0.01/-0.04 = -0.25",
               -0.04, 0.01, -0.25, "displacement"),
    WDQExample("diffusion of benefits", (100, 50, 80, 60, 1000, 1000),
               "S = 50/1000 - 100/1000 = -0.05; D = 60/1000 - 80/1000 = -0.02; WDQ = -0.02/-0.05 = 0.4",
               -0.05, -0.02, 0.4, "diffusion of benefits"),
    WDQExample("displacement against a falling control", (100, 60, 50, 50, 1000, 800),
               "S = 60/800 - 100/1000 = -0.025; D = 50/800 - 50/1000 = 0.0125; WDQ = -0.5",
               -0.025, 0.0125, -0.5, "displacement"),
    WDQExample("displacement larger than the direct effect", (40, 30, 40, 60, 500, 500),
               "S = 30/500 - 40/500 = -0.02; D = 60/500 - 40/500 = 0.04; WDQ = -2 (net harm)",
               -0.02, 0.04, -2.0, "displacement"),
    WDQExample("treated area rose: not interpreted", (50, 70, 40, 40, 1000, 1000),
               "S = 70/1000 - 50/1000 = 0.02 > 0: nothing to displace; WDQ = 0/0.02 = 0 not read",
               0.02, 0.0, 0.0, "neither"),
    WDQExample("undefined: no change in the treated area", (100, 100, 40, 60, 1000, 1000),
               "S = 100/1000 - 100/1000 = 0: WDQ = D/0 undefined",
               0.0, 0.02, None, "undefined"),
    WDQExample("undefined: no crime in the treated area", (0, 0, 40, 60, 1000, 1000),
               "S = 0 - 0 = 0: WDQ undefined",
               0.0, 0.02, None, "undefined"),
    WDQExample("undefined: no crime in the control area", (100, 60, 40, 60, 0, 10),
               "C_b = 0: every ratio divides by zero",
               None, None, None, "undefined"),
)
"""The constructed examples, each with its hand calculation."""
