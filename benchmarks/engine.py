"""The engine's rows of ``polsim bench``: both backends, memory, compile time, the citywide scenario, a long run.

- ``backends``: agent-steps per second of the ``mesa`` and ``numba`` backends on the default
  scenario, and their ratio over the whole step and over the agent loops alone, timed within
  the same steps (target: numba at least 200x mesa);
- ``memory``: bytes of state per offender, unit and guardian, and per cell;
- ``compile``: seconds to import, build and run a few steps with a fresh kernel cache (cold)
  and again with it filled (warm);
- ``citywide``: ``scenarios/citywide.toml`` steps per second, the 7-day time and peak memory,
  and the time of a dispatch decision (the bounded search for the nearest unit on the network)
  and of the patrol trips' paths;
- ``long_run``: resident memory after each stretch of a long default run (flat = no growth):
  4 days when quick, otherwise 365 days sampled once a simulated month.

Timed parts run in child processes where a cold start or peak memory is the point, so one
row's caches and allocations cannot flatter another.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

import numpy as np


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
from polsim.benchmarks.engine import backend_speed
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
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env,
                         timeout=timeout)
    if out.returncode != 0:  # say why: the child's traceback ends with its error
        last = out.stderr.strip().splitlines()[-1:] or [f"exit {out.returncode}"]
        raise RuntimeError(f"a benchmark's child process failed: {last[0]}")
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
decisions, routing = [], [0.0, 0]
nearest, routes = m.router.nearest, m.router.routes
def timed_nearest(*args, **kwargs):
    t = time.perf_counter()
    out = nearest(*args, **kwargs)
    decisions.append(time.perf_counter() - t)
    return out
def timed_routes(units, *args, **kwargs):
    t = time.perf_counter()
    out = routes(units, *args, **kwargs)
    routing[0] += time.perf_counter() - t
    routing[1] += len(units)
    return out
m.router.nearest, m.router.routes = timed_nearest, timed_routes
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
                  "dispatch_decisions": len(decisions),
                  "dispatch_ms_mean": 1e3 * sum(decisions) / max(len(decisions), 1),
                  "dispatch_ms_p90": 1e3 * sorted(decisions)[int(0.9 * len(decisions))] if decisions else None,
                  "patrol_paths_per_step": routing[1] / steps, "patrol_ms_per_step": 1e3 * routing[0] / steps,
                  "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}}))
"""


def citywide(quick: bool) -> dict[str, Any]:
    """The city-scale scenario: seconds per step and 7 simulated days (extrapolated when quick),
    and peak memory after each simulated day, from which a year's memory is extrapolated.
    """
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
