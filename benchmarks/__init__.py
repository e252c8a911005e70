"""polsim's benchmarks: the rows of ``polsim bench`` (:mod:`polsim.benchmarks.table`).

``python -m polsim.benchmarks.sweep`` and ``python -m polsim.benchmarks.ui_fps`` run one row each.
"""
