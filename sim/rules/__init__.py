"""The model's rules, each a small Numba function on plain numbers and arrays.

Both backends call these same functions, so the rules are written once: ``offender`` (arrest,
crime draw, walk, flight), ``movement`` (units and guardians), ``patrol`` (where idle units
go), ``field`` (attractiveness dynamics) and ``presence`` (who sees, deters and arrests where).
"""

PARALLEL_MIN_CELLS = 250_000
"""From this many cells on, the passes over the whole city (walk weights, deterrence, the
field, visibility) run on every core. Measured on an idle 2-core machine at 960 x 960 cells:
walk weights 1.33 -> 0.69 ms, field 1.65 -> 1.06 ms; on small cities waking a second thread
costs more than the pass."""


def on_every_core(cells: int) -> bool:
    """Whether a pass over ``cells`` cells should take its parallel loop."""
    return cells >= PARALLEL_MIN_CELLS
