"""polsim's benchmarks: the rows of ``polsim bench``, each also a script.

``python -m polsim.benchmarks [--quick] [--only ROWS] [--out FILE]`` is ``polsim bench``;
``python -m polsim.benchmarks.sweep`` and ``python -m polsim.benchmarks.ui_fps`` run one row each.
The table and its rows: :mod:`polsim.benchmarks.table`.
"""
