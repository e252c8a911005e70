"""The performance table of ``polsim bench``: each figure measured in this run, on this machine.

Rows (all in one run, so the two backends are compared side by side under the same load):

- ``backends``: agent-steps per second of the ``mesa`` and ``numba`` backends on the default
  scenario, and their ratio over the whole step and over the agent loops alone, timed within
  the same steps (target: numba at least 200x mesa);
- ``offender_kernel``: the offender rule alone over 1e6 offenders, on every core and on one
  (target: 50 M offender-steps/s on 2 cores);
- ``scaling``: time per kernel step at 1e4, 1e5, 1e6 offenders and the log-log slope (1 = linear);
- ``memory``: bytes of state per offender, unit and guardian, and the resident memory a model adds;
- ``compile``: seconds to import, build and run a few steps with a fresh kernel cache (cold)
  and again with it filled (warm);
- ``citywide``: ``scenarios/citywide.toml`` steps per second, the 7-day time and peak memory;
- ``long_run``: resident memory after each stretch of a long default run (flat = no growth):
  4 days when quick, otherwise 365 days sampled once a simulated month;
- ``ui`` and ``sweep``: the UI's frame rate and sweep runs per minute, from ``benchmarks/``.

Timed parts run in child processes where a cold start or peak memory is the point, so one
row's caches and allocations cannot flatter another.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

TARGETS = {"ratio": 200.0, "offender_msteps_2cores": 50.0, "citywide_7d_s": 180.0,
           "citywide_peak_gib": 4.0}
"""The issue's targets: numba/mesa ratio, offender M steps/s, citywide 7 days and memory."""


def _agents(model) -> int:
    return len(model.offenders) + len(model.units) + len(model.guardians)


AGENT_LOOPS = ("step_offenders", "step_units", "step_guardians")
"""The backend methods in which the agents themselves step (everything else in a step is shared)."""


def _time_agent_loops(backend) -> list[float]:
    """Make ``backend`` add the wall seconds of its agent loops to the returned one-item list."""
    spent = [0.0]
    for name in AGENT_LOOPS:
        method = getattr(backend, name)

        def timed(model, method=method):
            t0 = time.perf_counter()
            method(model)
            spent[0] += time.perf_counter() - t0

        setattr(backend, name, timed)
    return spent


def backend_speed(backend: str, steps: int, warm: int = 5) -> dict[str, float]:
    """Agent-steps per second of one backend on the default scenario (after ``warm`` steps).

    Two figures: the whole step (incidents, dispatch, presence, field and metrics included,
    which both backends share) and the agent loops alone (the offender, unit and guardian
    steps: Mesa agents' ``step`` calls or the compiled loops), timed within the same steps.
    """
    from polsim import PolicingModel

    model = PolicingModel("default", backend=backend, seed=1)
    model.run(warm)
    loops = _time_agent_loops(model.backend)
    t0, c0 = time.perf_counter(), time.process_time()
    model.run(steps)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    agent_steps = _agents(model) * steps
    # CPU seconds as well as wall: on a shared machine the wall clock includes other people's work
    return {"steps": steps, "agents": _agents(model), "s_per_step": wall / steps,
            "cpu_s_per_step": cpu / steps, "agent_steps_per_s": agent_steps / wall,
            "agent_steps_per_cpu_s": agent_steps / cpu, "loops_s_per_step": loops[0] / steps,
            "loops_agent_steps_per_s": agent_steps / loops[0]}


_INTERPRETED = """
import json
from polsim.bench import backend_speed
print(json.dumps(backend_speed("mesa", {steps})))
"""


def backends(quick: bool) -> dict[str, Any]:
    """Both backends on the default scenario: whole-step and agent-loop ratios numba/mesa.

    A third figure for reference: the Mesa backend with the rules run as plain Python
    (``NUMBA_DISABLE_JIT=1``, a fresh interpreter), i.e. a Mesa model written without Numba.
    """
    mesa = backend_speed("mesa", 20 if quick else 400)
    numba = backend_speed("numba", 1000 if quick else 5000)
    plain = _child(_INTERPRETED.format(steps=10 if quick else 40), {"NUMBA_DISABLE_JIT": "1"})
    return {"mesa": mesa, "numba": numba, "mesa_interpreted": plain,
            "ratio": numba["agent_steps_per_s"] / mesa["agent_steps_per_s"],
            "ratio_cpu": numba["agent_steps_per_cpu_s"] / mesa["agent_steps_per_cpu_s"],
            "ratio_loops": numba["loops_agent_steps_per_s"] / mesa["loops_agent_steps_per_s"],
            "ratio_loops_interpreted": numba["loops_agent_steps_per_s"] / plain["loops_agent_steps_per_s"]}


def kernel_state(n: int, side: int, seed: int = 0) -> tuple[tuple, np.ndarray]:
    """The offender rule's arguments for ``n`` offenders on a ``side`` x ``side`` city, and
    the police risk raster its walk weights come from.

    A synthetic but realistic state: attractiveness with hot cells, 5% blocked cells, police
    risk and deterrence on 2% of cells, most offenders walking and some fleeing or jailed;
    rows sorted by cell, as the model keeps them.
    """
    from polsim.rules import offender as off

    rng = np.random.default_rng(seed)
    shape = (side, side)
    passable = rng.random(shape) > 0.05
    a0 = 1.2e-4 * passable * rng.uniform(0.5, 2.0, shape)
    b = 1e-4 * (rng.random(shape) < 0.01)
    risk = (rng.random(shape) < 0.02).astype(np.float64)
    deterrence = 0.5 * risk
    capture = risk.copy()
    land_use = rng.integers(0, 6, shape).astype(np.int8)
    # rows in cell order, as the model keeps them (``Offenders.sort_by_cell``)
    cells = np.sort(rng.choice(np.flatnonzero(passable), size=n))
    r, c = (cells // side).astype(np.int64), (cells % side).astype(np.int64)
    status = rng.choice(np.array([off.WALKING, off.FLEEING, off.JAILED]), size=n,
                        p=[0.9, 0.05, 0.05]).astype(np.int64)
    timer = np.full(n, 5, np.int64)
    type_cdf = np.cumsum(np.full((7, 6), 1 / 6), axis=1)
    params = off.OffenderParams(dt=1.0, hour_factor=1.0, capture_probability=0.5, flee_steps=10, jail_steps=100,
                                flee_cells=2, remove_after_crime=False, periodic=False)
    weight = np.zeros(shape)
    off.walk_weights(weight, a0, b, 1.0, risk, RISK_AVERSION, passable)
    args = off.OffenderArgs(r=r, c=c, status=status, timer=timer, origin_r=r.copy(), origin_c=c.copy(),
                            home_r=r.copy(), home_c=c.copy(), crime=np.full(n, -1, np.int64),
                            arrested=np.zeros(n, bool), a0=a0, b=b, weight=weight, deterrence=deterrence,
                            capture=capture, passable=passable, type_label=land_use, type_cdf=type_cdf,
                            type_flees=np.ones(6, bool), draws=rng.random((n, 4)), **params._asdict())
    return args, risk


RISK_AVERSION = 1.0
"""The offenders' aversion to police risk in the kernel's state."""


def kernel_arrays(n: int, side: int, seed: int = 0):
    """The offender rule's arguments for ``n`` offenders on a ``side`` x ``side`` city
    (``kernel_state`` without the police risk raster)."""
    return kernel_state(n, side, seed)[0]


def kernel_step(order: np.ndarray, args, risk: np.ndarray) -> None:
    """One offender step as the model takes it: this step's walk weights, then the loop."""
    from polsim.rules.offender import offenders_loop, prefetch_ahead, walk_weights

    walk_weights(args.weight, args.a0, args.b, args.hour_factor, risk, RISK_AVERSION, args.passable)
    offenders_loop(order, args, prefetch_ahead(order.size, risk.size))


def kernel_step_seconds(n: int, steps: int, threads: int | None = None, side: int = 1000) -> float:
    """Seconds per offender step (walk weights and the compiled loop) over ``n`` offenders on a
    ``side`` x ``side`` city, best of 3 runs."""
    import numba

    args, risk = kernel_state(n, side)
    order = np.arange(n)  # rows are in cell order, as the backend visits them
    before = numba.get_num_threads()
    numba.set_num_threads(threads or numba.config.NUMBA_NUM_THREADS)
    try:
        kernel_step(order, args, risk)  # compiled or loaded from cache before timing
        best = np.inf
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(steps):
                kernel_step(order, args, risk)
            best = min(best, (time.perf_counter() - t0) / steps)
    finally:
        numba.set_num_threads(before)
    return best


def offender_kernel(quick: bool) -> dict[str, Any]:
    """Offender-steps per second of the offender rule alone, 1e6 offenders."""
    import numba

    n, steps = 1_000_000, 3 if quick else 10
    par = kernel_step_seconds(n, steps)
    ser = kernel_step_seconds(n, steps, threads=1)
    return {"offenders": n, "threads": numba.config.NUMBA_NUM_THREADS,
            "msteps_per_s": n / par / 1e6, "msteps_per_s_1thread": n / ser / 1e6}


def scaling(quick: bool) -> dict[str, Any]:
    """Time per offender step at 1e4, 1e5, 1e6 offenders and the log-log slope (1 = linear).

    The city grows with the population (one offender per cell, as in the 1e6 row): the step
    has a per-cell part (the walk weights) and a per-offender part, and both must grow
    linearly. On a fixed city the per-cell part would make small populations look slow.
    """
    sizes = [10_000, 100_000, 1_000_000]
    secs = [kernel_step_seconds(n, max(3, (200 if not quick else 50) * 10_000 // n),
                                side=int(round(np.sqrt(n)))) for n in sizes]
    slope = float(np.polyfit(np.log(sizes), np.log(secs), 1)[0])
    return {"offenders": sizes, "cells": [int(round(np.sqrt(n))) ** 2 for n in sizes],
            "s_per_step": secs, "slope": slope}


def memory() -> dict[str, Any]:
    """Bytes of state per agent, and the resident memory one more offender row costs."""
    from polsim import PolicingModel

    model = PolicingModel("default", seed=1, overrides={"time.days": 0.01})

    def per_row(obj) -> float:
        arrays = [v for v in vars(obj).values() if isinstance(v, np.ndarray)]
        return float(sum(a.nbytes for a in arrays) / max(len(obj), 1))

    # the draws handed to the rules each step are per agent too
    return {"offender_bytes": per_row(model.offenders) + 4 * 8 + 8,
            "unit_bytes": per_row(model.units), "guardian_bytes": per_row(model.guardians) + 8,
            "cell_bytes": _cell_bytes(model)}


def _cell_bytes(model) -> float:
    """Bytes of every per-cell raster the model holds (city, field, presence, metrics)."""
    seen, total = set(), 0
    for owner in (model, model.city, model.presence, model.metrics):
        for v in vars(owner).values():
            if not isinstance(v, np.ndarray) or v.size < model.city.rows * model.city.cols:
                continue
            while isinstance(v.base, np.ndarray):  # a view (one plane of a stack): count its owner
                v = v.base
            if id(v) not in seen:
                seen.add(id(v))
                total += v.nbytes
    return total / (model.city.rows * model.city.cols)


def _child(code: str, env: dict[str, str] | None = None, timeout: float = 3600) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    full_env = {**os.environ, **(env or {})}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env=full_env, timeout=timeout, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


_COMPILE = """
import json, time
t0 = time.perf_counter()
from polsim import PolicingModel
m = PolicingModel("default", seed=1, overrides={"time.days": 0.01})
m.run(3)
print(json.dumps({"s": time.perf_counter() - t0}))
"""


def compile_times() -> dict[str, float]:
    """Import + build + 3 steps with an empty kernel cache (cold), then with it filled (warm)."""
    with tempfile.TemporaryDirectory() as cache:
        env = {"NUMBA_CACHE_DIR": cache}
        cold = _child(_COMPILE, env)["s"]
        warm = _child(_COMPILE, env)["s"]
    return {"cold_s": cold, "warm_s": warm}


_CITY = """
import json, resource, sys, time
from polsim import PolicingModel
t0 = time.perf_counter()
m = PolicingModel("citywide", seed=1)
build = time.perf_counter() - t0
m.run(5)
steps = int(sys.argv[1]) if len(sys.argv) > 1 else {steps}
day = int(round(1440 / m.dt))
rss, incidents, wall = [], [], 0.0
for start in range(0, steps, day):
    t0 = time.perf_counter()
    m.run(min(day, steps - start))
    wall += time.perf_counter() - t0
    rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
    incidents.append(len(m.incidents))
print(json.dumps({{"build_s": build, "steps": steps, "s_per_step": wall / steps,
                  "max_steps": m.max_steps, "incidents": len(m.incidents),
                  "incidents_by_day": incidents, "peak_rss_gib_by_day": rss,
                  "archive_bytes": m.incidents.archive.nbytes, "live_objects": len(m.incidents.live()),
                  "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}}))
"""


def citywide(quick: bool) -> dict[str, Any]:
    """The city-scale scenario: seconds per step and 7 simulated days (extrapolated when quick),
    and peak memory after each simulated day, from which a year's memory is extrapolated."""
    steps = 60 if quick else 10_080 - 5
    out = _child(_CITY.format(steps=steps))
    out["days7_s"] = out["s_per_step"] * out["max_steps"]
    out["extrapolated"] = out["steps"] < out["max_steps"] - 5
    rss = out["peak_rss_gib_by_day"]
    # the first day is left out: it holds the build and the first allocations of every buffer
    days = len(rss) - 2
    out["growth_mib_per_day"] = (rss[-1] - rss[1]) * 1024 / days if days > 0 else None
    if days > 0:
        out["year_rss_gib"] = rss[-1] + out["growth_mib_per_day"] * (365 - len(rss)) / 1024
    out["bytes_per_incident"] = out["archive_bytes"] / max(out["incidents"] - out["live_objects"], 1)
    return out


_LONG = """
import json, resource
from polsim import PolicingModel
m = PolicingModel("default", seed=1, overrides={{"time.days": {days}, "output.collect_every": 60}})
rss = []
for _ in range({chunks}):
    m.run({chunk})
    rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps({{"chunk_days": {chunk} / 1440, "peak_rss_mib": rss,
                  "incidents": len(m.incidents), "live_objects": len(m.incidents.live())}}))
"""


def long_run(quick: bool) -> dict[str, Any]:
    """Peak resident memory after each stretch of a long default run: flat means no growth."""
    days, chunks = (4, 4) if quick else (365, 12)
    chunk = int(days * 1440 / chunks)
    out = _child(_LONG.format(days=days, chunks=chunks, chunk=chunk))
    rss = out["peak_rss_mib"]
    out["growth_mib_per_day"] = (rss[-1] - rss[0]) / (out["chunk_days"] * (chunks - 1))
    return out


def external(quick: bool) -> dict[str, Any]:
    """The UI's frame rate and the sweep's runs per minute, where those benchmarks exist."""
    out: dict[str, Any] = {}
    sys.path.insert(0, str(ROOT))
    for key, module, func in (("ui", "polsim.benchmarks.ui_fps", "ui_fps"),
                              ("sweep", "polsim.experiments.bench", "sweep_benchmark")):
        try:
            mod = __import__(module, fromlist=[func])
            out[key] = getattr(mod, func)(quick)
        except Exception as err:  # a missing browser or cluster must not lose the other rows
            out[key] = {"error": f"{type(err).__name__}: {err}"}
    return out


ROWS = {"backends": backends, "offender_kernel": offender_kernel, "scaling": scaling,
        "memory": lambda quick: memory(), "compile": lambda quick: compile_times(),
        "citywide": citywide, "long_run": long_run, "external": external}
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
        if c.get("growth_mib_per_day") is not None:
            per_day = c["incidents"] / len(c["peak_rss_gib_by_day"])
            lines.append(f"citywide memory: peak RSS after each day "
                         f"{', '.join(f'{x:.2f}' for x in c['peak_rss_gib_by_day'])} GiB; growth "
                         f"{c['growth_mib_per_day']:.1f} MiB/day ({per_day:,.0f} "
                         f"incidents a day, archived at {c['bytes_per_incident']:.0f} B each); a year "
                         f"~{c['year_rss_gib']:.2f} GiB")
    if "long_run" in t:
        lr = t["long_run"]
        lines.append(f"long run (default scenario, {lr['chunk_days'] * len(lr['peak_rss_mib']):.0f} days): "
                     f"peak RSS {', '.join(f'{x:.0f}' for x in lr['peak_rss_mib'])} MiB; growth "
                     f"{lr['growth_mib_per_day']:.2f} MiB/day; {lr['incidents']} incidents kept")
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
