"""The ``loaded_step`` row of ``polsim bench``: where a loaded citywide step goes, and the dispatch search.

A child process builds ``scenarios/citywide.toml``, runs it past the quiet first hours (the
first simulated day; 240 steps when quick) and then times the components of each step over a
few hundred steps, each exclusive of the timed components it calls (the dispatch searches run
inside SimPy's processes, so SimPy's share is without them). The same steps record every
search of :func:`polsim.rules.routing.nearest_unit`, which are then replayed alone, on a warm
process, three ways:

- with the search's stop as the engine runs it (``prune``: no candidate still unseen can
  arrive in time, by the frontier or by its own lower bound);
- with the stop it had before (the frontier at the fastest candidate's rate): the same
  answers, checked call by call;
- ``scipy.sparse.csgraph.dijkstra`` with ``min_only`` from the free units of each rate (one
  multi-source search a rate, limited to the answer's cost, a bound the engine does not have),
  on the driving searches: how often it names the same unit and the same time to the bit.
"""

from __future__ import annotations

from typing import Any

from polsim.benchmarks.engine import _child

COMPONENTS = (
    ("nearest free unit (Router.nearest)", "router", "nearest"),
    ("offender loop (step_offenders)", "backend", "step_offenders"),
    ("patrol trips (Router.routes)", "router", "routes"),
    ("presence disks and deterrence (Presence.stamp)", "presence", "stamp"),
    ("attractiveness field (field.update)", "field", "update"),
    ("walk weights (update_walk_weights)", "field", "update_walk_weights"),
    ("this step's uniforms (streams.uniforms)", "streams", "uniforms"),
    ("units (step_units)", "backend", "step_units"),
    ("guardians (step_guardians)", "backend", "step_guardians"),
    ("SimPy and the incidents (env.run)", "env", "run"),
)
"""The timed parts of a step: a label, the model's attribute holding it ("model": the model
itself) and the method."""

_LOADED = """
import json, sys, time
import numpy as np
import polsim.engine.router as router_module
from polsim import PolicingModel
from polsim.benchmarks.dispatch import COMPONENTS, replay
warm, steps = {warm}, {steps}
m = PolicingModel("citywide", seed=1)
m.run(warm)
spent = {{label: 0.0 for label, _, _ in COMPONENTS}}
stack = []
def timed(label, method):
    def call(*args, **kwargs):
        stack.append(0.0)
        t0 = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            took = time.perf_counter() - t0
            inner = stack.pop()
            spent[label] += took - inner
            if stack:
                stack[-1] += took
    return call
for label, owner, name in COMPONENTS:
    obj = m if owner == "model" else getattr(m, owner)
    setattr(obj, name, timed(label, getattr(obj, name)))
calls = []
search = router_module.nearest_unit
def recorded(src, w, *args):
    out = search(src, w, *args)
    calls.append((src, 0 if w is m.router.w[0] else 1, args[2].copy(), args[3].copy(), args[4], args[8], args[9],
                  out[0], out[1], out[2].copy()))
    return out
router_module.nearest_unit = recorded
t0 = time.perf_counter()
m.run(steps)
wall = time.perf_counter() - t0
out = {{"warm_steps": warm, "steps": steps, "ms_per_step": 1e3 * wall / steps,
       "components_ms": {{k: 1e3 * v / steps for k, v in spent.items()}},
       "searches_per_step": len(calls) / steps}}
out.update(replay(calls, m.router.w, m.router.rows, m.router.cols, {scipy_calls}))
print(json.dumps(out))
"""


def _csgraph(w, rows: int, cols: int):
    """The network of slowness ``w`` as a sparse matrix, each move's cost by the travel rule."""
    import numpy as np
    from scipy import sparse

    from polsim.rules.travel import SQRT2

    grid = w.reshape(rows, cols)
    idx = np.arange(rows * cols).reshape(rows, cols)
    heads, tails, costs = [], [], []
    for dr, dc in ((1, 0), (0, 1), (1, 1), (1, -1)):
        r0, r1 = 0, rows - dr
        c0, c1 = max(0, -dc), cols - max(0, dc)
        a = grid[r0:r1, c0:c1]
        b = grid[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
        cost = a + b
        if dr and dc:  # a diagonal: both cells beside it open (move_cost)
            side = np.isfinite(grid[r0:r1, c0 + dc:c1 + dc]) & np.isfinite(grid[r0 + dr:r1 + dr, c0:c1])
            cost = np.where(side, SQRT2 * cost, np.inf)
        ok = np.isfinite(cost)
        heads.append(idx[r0:r1, c0:c1][ok])
        tails.append(idx[r0 + dr:r1 + dr, c0 + dc:c1 + dc][ok])
        costs.append(cost[ok])
    h, t, c = np.concatenate(heads), np.concatenate(tails), np.concatenate(costs)
    n = rows * cols
    return sparse.csr_matrix((np.concatenate([c, c]), (np.concatenate([h, t]), np.concatenate([t, h]))), shape=(n, n))


def _scipy_nearest(graph, src: int, cells, rates, best_t: float, limit_t: float):
    """The candidate scipy's multi-source Dijkstra names for ``src`` (one search a rate) and its time."""
    import numpy as np
    from scipy.sparse.csgraph import dijkstra

    best_k, best = -1, best_t
    for rate in np.unique(rates):
        group = np.flatnonzero(rates == rate)
        dist, _, sources = dijkstra(graph, directed=False, indices=cells[group], min_only=True,
                                    limit=limit_t * rate * (1 + 1e-9), return_predecessors=True)
        if np.isfinite(dist[src]):
            t = dist[src] / rate
            k = int(np.flatnonzero(cells == sources[src])[0])
            if t < best or (t == best and best_k >= 0 and k < best_k):
                best_k, best = k, t
    return best_k, best


def replay(calls: list, w: dict, rows: int, cols: int, scipy_calls: int) -> dict[str, Any]:
    """Replay recorded searches with and without the lower-bound stop, and a sample with scipy."""
    import time

    import numpy as np

    from polsim.rules.routing import Scratch, nearest_unit

    scratch = Scratch(rows * cols)
    out: dict[str, Any] = {"searches": len(calls)}
    for prune in (False, True):
        best = np.inf
        for rep in range(2):  # the first pass also loads the cache's kernels
            t0, differ = time.process_time(), 0
            for src, mode, cells, rates, best_t, w_min, w_max, k, t, path in calls:
                got = nearest_unit(src, w[mode], rows, cols, cells, rates, best_t, scratch.dist, scratch.pred,
                                   scratch.head, w_min, w_max, prune)
                differ += got[0] != k or got[1] != t or not np.array_equal(got[2], path)
            best = min(best, time.process_time() - t0) if rep else best
        out[f"differ_{'prune' if prune else 'frontier'}"] = int(differ)
        out[f"us_per_search_{'prune' if prune else 'frontier'}"] = 1e6 * best / max(len(calls), 1)
    driving = [c for c in calls if c[1] == 0][:scipy_calls]
    if driving:
        graph = _csgraph(w[0], rows, cols)
        same_unit = same_time = 0
        t0 = time.process_time()
        for src, _, cells, rates, best_t, _, _, k, t, _ in driving:
            limit = t if k >= 0 else best_t
            sk, st = _scipy_nearest(graph, src, cells, rates, best_t, limit if np.isfinite(limit) else np.inf)
            same_unit += int(sk == k)
            same_time += int(sk == k and st == t)
        out.update({"scipy_searches": len(driving), "scipy_us_per_search": 1e6 * (time.process_time() - t0)
                    / len(driving), "scipy_same_unit": same_unit, "scipy_same_time": same_time})
    return out


def loaded_step(quick: bool) -> dict[str, Any]:
    """Components of a loaded citywide step and the dispatch search compared (see the module)."""
    warm, steps, scipy_calls = (240, 60, 20) if quick else (1440, 300, 100)
    return _child(_LOADED.format(warm=warm, steps=steps, scipy_calls=scipy_calls))


def loaded_step_lines(row: dict[str, Any]) -> list[str]:
    """The row as lines of the bench's table."""
    lines = [f"citywide, a loaded step (steps {row['warm_steps']}-{row['warm_steps'] + row['steps']}): "
             f"{row['ms_per_step']:.1f} ms a step; by component (exclusive, ms a step):"]
    rest = row["ms_per_step"] - sum(row["components_ms"].values())
    for label, ms in [*sorted(row["components_ms"].items(), key=lambda kv: -kv[1]), ("the rest", rest)]:
        lines.append(f"  {label:<48} {ms:7.2f}  {ms / row['ms_per_step']:5.1%}")
    lines.append(f"dispatch searches ({row['searches']}, {row['searches_per_step']:.1f} a step, replayed): "
                 f"{row['us_per_search_prune']:.0f} us each with the lower-bound stop, "
                 f"{row['us_per_search_frontier']:.0f} us with the frontier stop "
                 f"({row['us_per_search_frontier'] / max(row['us_per_search_prune'], 1e-9):.2f}x); "
                 f"answers differing from the run's: {row['differ_prune']} and {row['differ_frontier']}")
    if "scipy_searches" in row:
        lines.append(f"scipy.sparse.csgraph.dijkstra(min_only) from the free units of each rate, "
                     f"{row['scipy_searches']} driving searches: {row['scipy_us_per_search'] / 1e3:.1f} ms each, "
                     f"same unit in {row['scipy_same_unit']}, same unit and time to the bit in "
                     f"{row['scipy_same_time']}")
    return lines
