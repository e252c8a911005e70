"""The performance table of ``polsim bench``: each figure measured in this run, on this machine.

Rows (all in one run, so the two backends are compared side by side under the same load):
``backends``, ``memory``, ``compile``, ``citywide`` and ``long_run`` (:mod:`polsim.benchmarks.engine`);
``offender_kernel`` and ``scaling`` (:mod:`polsim.benchmarks.kernel`); ``replay``
(:mod:`polsim.benchmarks.replay`); ``external``: the UI's
frame rate (:mod:`polsim.benchmarks.ui_fps`) and sweep runs per minute (:mod:`polsim.benchmarks.sweep`).
``loaded_step``: a loaded citywide step by component, and the dispatch search compared
(:mod:`polsim.benchmarks.dispatch`).
"""

from __future__ import annotations

import os
import resource
import time
from typing import Any

from polsim.benchmarks.dispatch import loaded_step, loaded_step_lines
from polsim.benchmarks.engine import backends, citywide, compile_times, long_run, memory
from polsim.benchmarks.kernel import offender_kernel, scaling
from polsim.benchmarks.replay import replay_bench

TARGETS = {"ratio": 200.0, "offender_msteps_2cores": 50.0, "citywide_7d_s": 180.0,
           "citywide_peak_gib": 4.0, "coverage_hour_s": 10.0, "coverage_siting_s": 60.0}
"""The issue's targets: numba/mesa ratio, offender M steps/s, citywide 7 days and memory."""




def _coverage(quick: bool) -> dict[str, Any]:
    from polsim.benchmarks.coverage_bench import coverage_bench

    return coverage_bench(quick)


def _ui(quick: bool) -> dict[str, Any]:
    from polsim.benchmarks.ui_fps import ui_fps  # needs the ui extra (solara, playwright)

    return ui_fps(quick)


def _sweep(quick: bool) -> dict[str, Any]:
    from polsim.benchmarks.sweep import sweep_benchmark  # needs the dist extra (dask)

    return sweep_benchmark(quick)


def external(quick: bool) -> dict[str, Any]:
    """The UI's frame rate and the sweep's runs per minute (or why each could not be measured)."""
    out: dict[str, Any] = {}
    for key, measure in (("ui", _ui), ("sweep", _sweep)):
        try:
            out[key] = measure(quick)
        except Exception as err:  # a missing browser, extra or cluster must not lose the other rows
            out[key] = {"error": f"{type(err).__name__}: {err}"}
    return out


ROWS = {"backends": backends, "offender_kernel": offender_kernel, "scaling": scaling,
        "loaded_step": loaded_step,
        "memory": lambda quick: memory(), "compile": lambda quick: compile_times(),
        "citywide": citywide, "long_run": long_run, "replay": replay_bench, "external": external,
        "coverage": _coverage}
"""Each row of the table and the function that measures it (given ``quick``)."""


def run_bench(quick: bool, rows: list[str] | None = None, progress: bool = True) -> dict[str, Any]:
    """Measure every row (or those named) and return the table as a dict."""
    from tqdm import tqdm

    names = rows or list(ROWS)
    table: dict[str, Any] = {"quick": quick, "cpus": os.cpu_count(),
                             "load_before": os.getloadavg()[0], "targets": TARGETS}
    for name in tqdm(names, desc="bench", disable=not progress):
        t0 = time.perf_counter()
        table[name] = ROWS[name](quick)
        table[name + "_wall_s"] = time.perf_counter() - t0
    table["load_after"] = os.getloadavg()[0]
    table["peak_rss_gib_parent"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return table


def format_table(t: dict[str, Any]) -> str:
    """The table as text, one figure a line."""
    lines = [f"polsim bench ({'quick' if t['quick'] else 'full'}), {t['cpus']} cpus, "
             f"load {t['load_before']:.1f} -> {t['load_after']:.1f}"]
    if "backends" in t:
        b = t["backends"]
        for k in ("mesa", "numba"):
            lines.append(f"{k:>6} backend, default scenario: {b[k]['agent_steps_per_s']:,.0f} "
                         f"agent-steps/s ({b[k]['s_per_step'] * 1e3:.2f} ms/step wall, "
                         f"{b[k]['cpu_s_per_step'] * 1e3:.2f} ms CPU, {b[k]['agents']} agents)")
        lines.append(f"ratio numba/mesa, whole step: {b['ratio']:.0f}x wall, {b['ratio_cpu']:.0f}x "
                     f"CPU (target >= {TARGETS['ratio']:.0f}x)")
        lines.append(f"agent loops alone (offender, unit, guardian steps): mesa "
                     f"{b['mesa']['loops_s_per_step'] * 1e3:.3f} ms/step, numba "
                     f"{b['numba']['loops_s_per_step'] * 1e3:.3f} ms/step; ratio numba/mesa, "
                     f"agent loops alone: {b['ratio_loops']:.0f}x (target >= "
                     f"{TARGETS['ratio']:.0f}x)")
        if "mesa_interpreted" in b:
            plain = b["mesa_interpreted"]
            lines.append(f"for reference, mesa backend with the rules as plain Python (NUMBA_DISABLE_JIT=1): "
                         f"agent loops {plain['loops_s_per_step'] * 1e3:.3f} ms/step, whole step "
                         f"{plain['s_per_step'] * 1e3:.1f} ms; ratio numba/plain-Python mesa, agent loops "
                         f"alone: {b['ratio_loops_interpreted']:.0f}x")
    if "offender_kernel" in t:
        k = t["offender_kernel"]
        lines.append(f"offender kernel, 1e6 offenders: {k['msteps_per_s']:.1f} M offender-steps/s on "
                     f"{k['threads']} threads, {k['msteps_per_s_1thread']:.1f} M on 1 "
                     f"(target >= {TARGETS['offender_msteps_2cores']:.0f} M on 2 cores)")
    if "scaling" in t:
        s = t["scaling"]
        per = ", ".join(f"{n:.0e}: {x * 1e3:.2f} ms" for n, x in zip(s["offenders"], s["s_per_step"],
                                                                      strict=True))
        lines.append(f"scaling, time per offender step (city of one cell per offender): {per}; "
                     f"log-log slope {s['slope']:.2f} (1 = linear)")
    if "memory" in t:
        m = t["memory"]
        lines.append(f"memory per agent: offender {m['offender_bytes']:.0f} B, unit {m['unit_bytes']:.0f} B, "
                     f"guardian {m['guardian_bytes']:.0f} B; per cell {m['cell_bytes']:.0f} B")
    if "compile" in t:
        c = t["compile"]
        lines.append(f"compile + import + 3 steps: cold {c['cold_s']:.1f} s, warm (cached) {c['warm_s']:.1f} s")
    if "citywide" in t:
        c = t["citywide"]
        how = "extrapolated from" if c["extrapolated"] else "measured over"
        lines.append(f"citywide: build {c['build_s']:.0f} s, {c['s_per_step'] * 1e3:.0f} ms/step, 7 days "
                     f"{c['days7_s']:.0f} s ({how} {c['steps']} steps; target < "
                     f"{TARGETS['citywide_7d_s']:.0f} s), peak memory {c['peak_rss_gib']:.2f} GiB")
        if c.get("dispatch_decisions"):
            lines.append(f"citywide travel on the network: a dispatch decision {c['dispatch_ms_mean']:.3f} ms on "
                         f"average (p90 {c['dispatch_ms_p90']:.3f} ms, {c['dispatch_decisions']} decisions); "
                         f"patrol paths {c['patrol_paths_per_step']:.0f} a step, "
                         f"{c['patrol_ms_per_step']:.1f} ms a step")
        if c.get("growth_mib_per_day") is not None:
            per_day = c["incidents"] / len(c["peak_rss_gib_by_day"])
            lines.append(f"citywide memory: peak RSS after each day "
                         f"{', '.join(f'{x:.2f}' for x in c['peak_rss_gib_by_day'])} GiB; growth "
                         f"{c['growth_mib_per_day']:.1f} MiB/day ({per_day:,.0f} "
                         f"incidents a day, archived at {c['bytes_per_incident']:.0f} B each); a year "
                         f"~{c['year_rss_gib']:.2f} GiB")
    if "loaded_step" in t:
        lines.extend(loaded_step_lines(t["loaded_step"]))
    if "long_run" in t:
        lr = t["long_run"]
        lines.append(f"long run (default scenario, {lr['chunk_days'] * len(lr['peak_rss_mib']):.0f} days): "
                     f"peak RSS {', '.join(f'{x:.0f}' for x in lr['peak_rss_mib'])} MiB; growth "
                     f"{lr['growth_mib_per_day']:.2f} MiB/day; {lr['incidents']} incidents kept")
    if "replay" in t:
        r = t["replay"]
        lines.append(f"replay (default scenario, {r['days']} days, {r['incidents']} incidents): simulating the crime "
                     f"{r['simulated_s']:.1f} s, replaying its calls {r['replay_s']:.1f} s ({r['speedup']:.1f}x); "
                     f"a {r['month_days']:.0f}-day replay of {r['month_incidents']} calls: peak RSS "
                     f"{', '.join(f'{x:.0f}' for x in r['month_peak_rss_mib'])} MiB, growth "
                     f"{r['month_growth_mib_per_day']:.2f} MiB/day")
    if "coverage" in t:
        c = t["coverage"]
        lines.append(f"coverage, citywide, one hour, bands 1/3/5: patrol cars ({c['patrol_car']['units']} units) "
                     f"{c['patrol_car']['fields_s']:.2f} s ({c['patrol_car']['with_tables_s']:.2f} s with the "
                     f"tables), all {c['all_units']['units']} units {c['all_units']['fields_s']:.2f} s "
                     f"({c['all_units']['with_tables_s']:.2f} s) (target < {TARGETS['coverage_hour_s']:.0f} s)")
        s = c["siting"]
        lines.append(f"coverage siting, {s['sites']} among {s['candidates']} candidates over citywide residents: "
                     f"{s['seconds']:.1f} s, gap {s['gap']:.2g} (target < {TARGETS['coverage_siting_s']:.0f} s)")
    lines.extend(_external_lines(t.get("external", {})))
    return "\n".join(lines)


def _external_lines(ext: dict[str, Any]) -> list[str]:
    """The UI and sweep rows (or why they are missing)."""
    lines = []
    ui, sweep = ext.get("ui"), ext.get("sweep")
    if ui and "error" not in ui:
        lines.append(f"ui, default scenario: {ui['browser_fps']:.1f} frames (steps drawn) per second in "
                     f"the browser, {ui['server_fps']:.0f}/s server side (target >= {ui['target_fps']:.0f})")
    if sweep and "error" not in sweep:
        per = "; ".join(f"{r['workers']} worker{'s' if r['workers'] > 1 else ''}: {r['runs_per_minute']:.1f} "
                        f"runs/min, overhead beyond the runs {r['overhead']:.1%} (vs a plain run "
                        f"{r['overhead_vs_plain']:.0%})" for r in sweep["rows"])
        lines.append(f"sweep, {sweep['days_per_run']:g}-day default runs: {per}; speed-up 2 vs 1 "
                     f"{sweep['speedup_2_vs_1']:.2f}x (overhead target < {sweep['overhead_target']:.0%})")
    for key in ("ui", "sweep"):
        if ext.get(key) and "error" in ext[key]:
            lines.append(f"{key}: not measured ({ext[key]['error']})")
    return lines
