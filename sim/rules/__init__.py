"""The model's rules, each a small Numba function on plain numbers and arrays.

Both backends call these same functions, so the rules are written once: ``offender`` (arrest,
crime draw, walk, flight), ``movement`` (units and guardians), ``patrol`` (where idle units
go), ``field`` (attractiveness dynamics) and ``presence`` (who sees, deters and arrests where).
"""

PARALLEL_MIN_CELLS = 250_000
"""From this many cells on, the passes over the whole city (walk weights, deterrence, the
field, visibility) run on every core: at city scale the second core pays (docs/performance.md
has the timings); on small cities waking a second thread costs more than the pass."""


def on_every_core(cells: int) -> bool:
    """Whether a pass over ``cells`` cells should take its parallel loop."""
    return cells >= PARALLEL_MIN_CELLS
