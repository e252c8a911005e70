"""The shared pieces of every report: matplotlib figures (:mod:`~polsim.reports.figures`) and
the HTML page helpers (:mod:`~polsim.reports.html`) that the run, compare, sweep, optimise,
calibration and validation reports are written with. The Solara app lives in ``polsim.viz``.
"""
