"""The model's rules, each a small Numba function on plain numbers and arrays.

Both backends call these same functions, so the rules are written once: ``offender`` (arrest,
crime draw, walk, flight), ``movement`` (units and guardians), ``field`` (attractiveness
dynamics) and ``presence`` (who sees, deters and arrests where).
"""
