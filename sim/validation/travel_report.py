"""The report section and figure of case 3 with travel (M/G/1, one unit returning to base)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.validation import travel  # noqa: E402
from sim.validation.travel import TravelResult  # noqa: E402


def figure(results: list[TravelResult], path: Path) -> None:
    """Mean wait and mean response against the closed form, by load."""
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    rho = [r.expected.load for r in results]
    ax.errorbar(rho, [r.wait for r in results], [2 * r.wait_se for r in results], fmt="o",
                label="polsim wait ±2 SE")
    ax.errorbar(rho, [r.response for r in results], [2 * r.response_se for r in results], fmt="s",
                label="polsim response ±2 SE")
    ax.plot(rho, [r.expected.wait for r in results], "kx", ms=9, label="Pollaczek-Khinchine wait")
    ax.plot(rho, [r.response_expected for r in results], "k+", ms=11, label="wait + dt/2 + E[D]/v")
    ax.set_xlabel("load ρ = λ E[S]")
    ax.set_ylabel("minutes")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def section(results: list[TravelResult], minutes: float) -> str:
    """Markdown for the travel half of case 3."""
    e = results[0].expected
    rows = "\n".join(
        f"| {r.expected.lam:.4f} | {r.expected.load:.2f} | {r.calls} | {r.wait:.2f} ± {r.wait_se:.2f} | "
        f"{r.expected.wait:.2f} | {r.response:.2f} ± {r.response_se:.2f} | {r.response_expected:.2f} | "
        f"{'yes' if r.within() else 'NO'} |" for r in results)
    return f"""### 3b. With travel: one unit, uniform calls on a square, return to base (M/G/1)

**Source.** Pollaczek-Khinchine: an M/G/1 queue has mean wait W_q = λE[S²] / (2(1 − λE[S])).

**Setting.** `sim/validation/travel.py::travel_overrides`: the Erlang C scenario with one
patrol car on a {travel.SIDE} x {travel.SIDE} square of 100 m cells (uniform land use, so calls fall on
cells uniformly; every road factor 1 and flat traffic, so the car covers
v = {travel.SPEED_CELLS_MIN:g} cells/min), exponential time on scene X of mean {travel.ON_SCENE_MIN:g} min,
steps of δt = {travel.STEP_MIN:g} min, travel on, and `dispatch.return_to_base = true` (new scenario flag):
after each job the car drives back to its base and takes the next call only once there. A job
then occupies it for S = D/v + X + D/v, D the street (L1) distance from the base to the call.
{minutes:g} simulated minutes per row, first 10% dropped; errors by batch means (case 3).

**Expected.** From the base polsim chooses, E[D] = {e.mean_distance * travel.SPEED_CELLS_MIN:.3f} cells
(E|X − b| = (b(b+1) + (n−1−b)(n−b)) / 2n per axis, E[D²] from the per-axis second
moments, exact for the lattice): E[S] = 2E[D]/v + E[X] + δt = {e.service_mean:.3f} min,
E[S²] = 4E[D²]/v² + 2E[X]² + 7δt²/6 + 2(2E[D]/v · E[X] + 2E[D]/v · δt + E[X] · δt) = {e.service_second:.2f} min².
The δt terms: units move in steps, so each leg starting inside a step (out at dispatch, home at
the close) begins at the next step, a delay uniform on (0, δt); arrivals are timed exactly.
Mean response (call to arrival) = W_q + δt/2 + E[D]/v. The rule itself is tested exactly:
every arrival is dispatch + [0, δt) + D/v from the base, and no dispatch comes before the
previous job's close + drive home (`test_return_to_base_unit_leaves_from_base_and_waits_until_home`).

**Tolerance.** Within t = 5.41 standard errors (99.9%, 7 dof), the SE the largest batch-means SE
over 32, 16 and 8 batches, as in case 3.

| λ /min | ρ | calls | mean wait (min) | P-K | mean response (min) | expected | within |
|---|---|---|---|---|---|---|---|
{rows}

![M/G/1 with travel](validation/travel.png)
"""
