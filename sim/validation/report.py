"""Run every validation case and write ``docs/validation.md`` with its figures."""

from __future__ import annotations

import argparse
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from tqdm import tqdm  # noqa: E402

from polsim.validation import (  # noqa: E402
    backends,
    erlang,
    hotspots,
    suppression,
    suppression_report,
    travel,
    travel_report,
    wdq,
)


@dataclass(frozen=True)
class Plan:
    """Run lengths: the full suite, or a quick one to try the script."""

    mmc: tuple[tuple[float, float, int], ...]
    mmc_minutes: float
    lattice: int
    times: tuple[float, ...]
    backend_seeds: tuple[int, ...]
    backend_days: float
    suppression: tuple[int, float, float]
    """Case 2: lattice size, formation time, window length."""
    travel_lams: tuple[float, ...]
    travel_minutes: float


FULL = Plan(((0.3, 0.1, 4), (0.5, 0.25, 3), (0.4, 0.25, 2), (0.45, 0.1, 5), (1.0, 0.125, 10),
             (0.9, 0.1, 10)), 20000.0,
            48, (10.0, 50.0, 100.0, 150.0), (1, 2, 3), 1.0, (40, 100.0, 50.0),
            (0.0218, 0.0363, 0.0508), 40000.0)
QUICK = Plan(((0.5, 0.25, 3), (0.9, 0.1, 10)), 4000.0, 32, (10.0, 50.0, 60.0), (1,), 0.25,
             (32, 50.0, 25.0), (0.0218, 0.0508), 5000.0)


def main(argv: list[str] | None = None) -> int:
    """Command line entry: run the cases and write the report."""
    parser = argparse.ArgumentParser(prog="python -m polsim.validation", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (minutes, not tens)")
    parser.add_argument("--out", default="docs", help="folder for validation.md and validation/")
    args = parser.parse_args(argv)
    path = write_report(Path(args.out), QUICK if args.quick else FULL)
    print(path)
    return 0


def write_report(out: Path, plan: Plan) -> Path:
    """Run all cases under ``plan`` and write ``out/validation.md`` and ``out/validation/*.png``."""
    figs = out / "validation"
    figs.mkdir(parents=True, exist_ok=True)
    # Every run is independent: run them in parallel processes (spawned: Numba's thread pool
    # does not survive a fork), the results come back in plan order.
    jobs = ([(hotspots.run_regime, (r, plan.lattice, plan.times)) for r in hotspots.REGIMES]
            + [(erlang.simulate_mmc, (lam, mu, c, plan.mmc_minutes)) for lam, mu, c in plan.mmc]
            + [(backends.compare_backends, (seed, plan.backend_days)) for seed in plan.backend_seeds]
            + _suppression_jobs(plan)
            + [(travel.simulate_travel, (lam, plan.travel_minutes)) for lam in plan.travel_lams])
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1, 6), mp_context=ctx) as pool:
        futures = [pool.submit(fn, *args) for fn, args in jobs]
        for _ in tqdm(as_completed(futures), total=len(futures), desc="validation", unit="run"):
            pass
    results = [f.result() for f in futures]
    n_h, n_m = len(hotspots.REGIMES), len(plan.mmc)
    n_b = n_h + n_m + len(plan.backend_seeds)
    runs, mmc, pairs = results[:n_h], results[n_h:n_h + n_m], results[n_h + n_m:n_b]
    *suppressed, control = results[n_b:n_b + 3]
    travelled = results[n_b + 3:]
    _hotspot_figure(runs, figs / "hotspots.png")
    suppression_report.figure(suppressed, figs / "suppression.png")
    travel_report.figure(travelled, figs / "travel.png")
    _erlang_figure(mmc, figs / "erlang_c.png")
    text = "\n".join([_header(plan), _hotspot_section(runs), suppression_report.section(suppressed, control),
                      _erlang_section(mmc, plan),
                      travel_report.section(travelled, plan.travel_minutes), _wdq_section(), _backend_section(pairs)])
    path = out / "validation.md"
    text += kept_by_hand(path.read_text() if path.exists() else "")
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return path


KEPT = "<!-- written by hand from here on: polsim validate-model keeps it -->"
"""The line after which validation.md holds sections that are not generated (the field trials,
whose runs are `polsim field-trial`'s): a regenerated report keeps them."""


def kept_by_hand(old: str) -> str:
    """The part of an earlier report from :data:`KEPT` on (empty if it has none)."""
    at = old.find(KEPT)
    return "" if at < 0 else "\n" + old[at:]


def _suppression_jobs(plan: Plan) -> list:
    """Case 2: the supercritical run, the seeded run above eta_c, and its no-police control."""
    size, form, window = plan.suppression
    return [(suppression.run_suppression, (suppression.SUPERCRITICAL, size, form, window)),
            (suppression.run_suppression, (suppression.SUBCRITICAL, size, form, window, 3.0, 4.0, 10.0)),
            (suppression.nucleus_decay, (suppression.SUBCRITICAL, size, 10.0, 50.0))]


def _header(plan: Plan) -> str:
    mode = "quick" if plan is QUICK else "full"
    return ("# Validation\n\nGenerated by `polsim validate-model` (or `python -m polsim.validation`); "
            f"this is the {mode} run. Each case: the source, the setting, the expected result, "
            "what polsim gives, the tolerance. The fast cases are also tests "
            "(`tests/test_validation.py`); the long ones are marked `slow`.\n")


def _hotspot_figure(runs: list[hotspots.HotspotRun], path: Path) -> None:
    n = len(runs[0].times)
    fig, axes = plt.subplots(len(runs), n, figsize=(3 * n, 3.2 * len(runs)), squeeze=False)
    for row, run in zip(axes, runs, strict=True):
        for ax, t, b in zip(row, run.times, run.maps, strict=True):
            ax.imshow(b / b.mean(), cmap="inferno", vmin=0, vmax=max(3.0, run.max_over_mean))
            ax.set_title(f"{run.regime.label}\nt = {t:g}, max/mean {b.max() / b.mean():.1f}",
                         fontsize=8)
            ax.set_xticks([]), ax.set_yticks([])
    fig.suptitle("B / mean B, Short et al. (2008) discrete model in polsim")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _erlang_figure(mmc: list[erlang.MMCResult], path: Path) -> None:
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6))
    labels = [f"λ={r.lam:g} μ={r.mu:g} c={r.c}\nρ={r.load:.2f}" for r in mmc]
    x = range(len(mmc))
    a1.errorbar(x, [r.p_wait for r in mmc], [2 * r.p_wait_se for r in mmc], fmt="o", label="polsim ±2 SE")
    a1.plot(x, [r.p_wait_erlang for r in mmc], "kx", ms=10, label="Erlang C")
    a1.set_ylabel("P(wait > 0)")
    a2.errorbar(x, [r.mean_wait for r in mmc], [2 * r.mean_wait_se for r in mmc], fmt="o", label="polsim ±2 SE")
    a2.plot(x, [r.mean_wait_erlang for r in mmc], "kx", ms=10, label="Erlang C")
    a2.set_ylabel("mean wait, call to dispatch (min)")
    for ax in (a1, a2):
        ax.set_xticks(list(x), labels, fontsize=7)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _hotspot_section(runs: list[hotspots.HotspotRun]) -> str:
    rows = "\n".join(
        f"| {r.regime.label} | {r.regime.eta:g} | {r.regime.theta:g} | {r.regime.gamma:g} | "
        f"{r.regime.eta_c:.4f} | {'yes' if r.regime.unstable else 'no'} | {r.regime.paper} | "
        f"{r.mean_b:.3f} (theory {r.regime.b_bar:.3f}) | {r.max_over_mean:.2f} | {r.hotspots} | "
        f"{r.persistence:.2f} |" for r in runs)
    size = runs[0].size
    sets = "; ".join(f"({k}) η = {e:g}, θ = {t:g}, Γ = {g:g}" for k, (e, t, g) in hotspots.FIGURE_2.items())
    return f"""## 1. Hotspots: Short, D'Orsogna, Pasour, Tita, Brantingham, Bertozzi, Chayes (2008)

**Source.** "A statistical model of criminal behavior", *Math. Models Methods Appl. Sci.* 18,
1249-1267: the discrete agent-based model and its Figure 2 parameter sets (ω = 1/15,
A0 = 1/30, ℓ = 1, δt = 0.01), {sets}, so θΓ/ω ≈ 1/6 in every set.
Two of them are run here: (a), spatially homogeneous, and (c), stationary hotspots.

**Setting.** `offenders.model = "short2008"` on a {size} x {size} periodic lattice, every cell
residential with land-use weight 1, flat hourly profile, no blocked cells, no police, no
guardians, deterrence off, `risk_aversion = 0`; scenario overrides in
`sim/validation/hotspots.py::short2008_overrides`. The rules are the paper's exactly:
burglary probability 1 − exp(−A δt) with A = A0 + B, the burglar removed after a burglary,
otherwise a step to neighbour s' with probability A_s'/Σ A, B(t+δt) = [(1−η)B + η/z Σ B_s'](1−ωδt) + θE,
and an independent Bernoulli(Γδt) birth at every site.

**Expected.** The continuum limit's homogeneous state (B̄ = θΓ/ω) is unstable, and stationary
hotspots form, iff η < η_c = (ω/Ā)(√(3B̄/Ā) − 1)² (linear stability, derived in the module
docstring). The paper shows near-homogeneity for (a) and stationary hotspots for (c).

**polsim** (B averaged over the last interval, one sample per time unit; hotspots are clusters
of cells with averaged B above twice its mean, merged across the periodic edges; persistence =
share of the hot cells of the last snapshot already hot at the one before):

| regime | η | θ | Γ | η_c | unstable | paper | mean B | max/mean B | hotspots | persistence |
|---|---|---|---|---|---|---|---|---|---|---|
{rows}

**Tolerance.** Homogeneous: max/mean B below 2 and no hotspot; hotspot regime: max/mean B above
5, at least 3 hotspots, persistence above 0.5 (stationary); mean B within 25% of θΓ/ω in both.

![B maps](validation/hotspots.png)
"""


def _erlang_section(mmc: list[erlang.MMCResult], plan: Plan) -> str:
    rows = "\n".join(
        f"| {r.lam:g} | {r.mu:g} | {r.c} | {r.load:.2f} | {r.calls} | {r.p_wait:.3f} ± {r.p_wait_se:.3f} | "
        f"{r.p_wait_erlang:.3f} | {r.mean_wait:.2f} ± {r.mean_wait_se:.2f} | {r.mean_wait_erlang:.2f} | "
        f"{'yes' if r.within() else 'NO'} | {r.busy_error:.1e} |" for r in mmc)
    return f"""## 3. The dispatch queue against Erlang C

**Source.** Erlang C for the M/M/c queue: P(wait > 0) = C(c, a), a = λ/μ, and mean wait
W_q = C(c, a)/(cμ − λ).

**Setting.** The default scenario reduced to M/M/c (`sim/validation/erlang.py::mmc_overrides`):
no offenders; calls are disputes with a flat hourly profile (Poisson counts per
{erlang.STEP_MIN:g}-minute step, each called in after an exponential delay of mean
{erlang.CALL_DELAY_MIN:g} min, so the call stream is Poisson with rate λ), never mediated nor
escalated; exponential time on scene of mean 1/μ; c identical patrol cars; and
`dispatch.instant_travel = true` (new scenario flag): a dispatched unit is on scene at once,
so it is busy for exactly the time on scene. The wait is `t_dispatch − t_call`. {plan.mmc_minutes:g}
simulated minutes per row, the first 10% dropped as warm-up; standard errors by batch means (below).

**Expected.** The Erlang C values. **Tolerance.** Each simulated value within t = 5.41 standard errors
(Student t, 99.9% two-sided, 7 dof); the SE is the largest batch-means SE over 32, 16 and 8 batches
(`queueing.batch_means`: 20 batches with 3.5 SE failed a correct M/M/c queue in up to 8% of seeds);
the busy time equals the drawn time on scene to 1e-9 min (last column: largest deviation).
Calibrated on an ideal M/M/c queue (400 seeds per setting, `queueing.ideal_mmc_waits`, slow test
`test_batch_means_check_is_calibrated`): a correct queue fails in 0-0.5% of seeds at ρ ≤ 0.8
and 1.3-1.8% at ρ = 0.9. The check is coarse at these run lengths: a mean wait twice too long is
caught in about half to three quarters of seeds, one 20% too long rarely; the table's agreement
says the dispatch queue is an M/M/c queue, not that its waits are right to a few percent.

| λ /min | μ /min | c | ρ | calls | P(wait>0) | Erlang C | mean wait (min) | Erlang C | within | busy − on scene |
|---|---|---|---|---|---|---|---|---|---|---|
{rows}

![Erlang C](validation/erlang_c.png)
"""


def _wdq_section() -> str:
    rows = "\n".join(
        f"| {e.name} | {', '.join(f'{x:g}' for x in e.counts)} | {e.hand} | {e.verdict} | "
        f"{_fmt(e.polsim().wdq)} | {e.polsim().verdict}: {e.polsim().reason} | "
        f"{'yes' if e.agrees() else 'NO'} |" for e in wdq.EXAMPLES)
    return f"""## 4. WDQ (Bowers & Johnson 2003) by hand

**Source.** Bowers & Johnson (2003), "Measuring the geographical displacement and diffusion of
benefit effects of crime prevention activity", *J. Quant. Criminol.* 19, 275-301.
**Setting.** Constructed counts (A treated, B buffer, C control; before, after).
**Expected.** The hand calculation. **Tolerance.** 1e-12; the undefined cases must say
"undefined" with the reason, not return a number.

| example | A_b, A_a, B_b, B_a, C_b, C_a | by hand | expected verdict | polsim WDQ | polsim says | agrees |
|---|---|---|---|---|---|---|
{rows}
"""


def _fmt(x: float | None) -> str:
    return "undefined" if x is None else f"{x:.4g}"


def _backend_section(pairs: list[backends.BackendPair]) -> str:
    rows = "\n".join(
        f"| {p.seed} | {p.days:g} | {p.crimes} | {p.incidents} | {p.summary_equal} | "
        f"{p.incidents_equal} | {p.crime_cells_equal} | {p.state_equal} |" for p in pairs)
    size = backends.MID_SIZE
    return f"""## 5. Backend agreement at scale

**Source.** No publication: polsim's own design claim (the engine issue). Both backends, `numba`
(compiled loops over arrays) and `mesa` (one Mesa agent per offender, unit and guardian), call
the same rule functions (`sim/rules/`) on the same random draws in the same order, so for a
seed they must give bit-identical results. Small scenarios are checked in
`tests/test_reproducibility.py`; this case checks it at scale.

**Setting.** The default scenario on a {size["city.rows"]} x {size["city.cols"]} city (the default
100 m cells) with {size["offenders.count"]} offenders, default forces, dispatch and the random policy
(`sim/validation/backends.py::MID_SIZE`), run on `numba` and on `mesa` with the same seed.
**Expected.** Identical summary (every number but the backend's name), full incident table
(every column of every incident), crime raster (crimes by type and cell), and final state
(attractiveness field B, every offender's position and status). **Tolerance.** Exact equality.

| seed | days | crimes | incidents | summary equal | incidents equal | crime cells equal | final state equal |
|---|---|---|---|---|---|---|---|
{rows}
"""
