"""Replaying a force's recorded calls as a run's demand (``[calls]`` in a scenario, docs/replay.md).

:mod:`polsim.replay.span` reads a period's bounds, :mod:`polsim.replay.records` reads the
calls of a period from a table ``polsim data import`` wrote and checks them against the
scenario, and :mod:`polsim.replay.feed` hands them to dispatch as they fall due.
"""
