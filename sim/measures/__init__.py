"""Measures: the metric vocabulary, intervals and tests, treated areas and displacement.

What a run's results mean, apart from how they were produced: :mod:`~polsim.measures.vocabulary`
names every metric once (summary, compare, sweeps, reports and UI), :mod:`~polsim.measures.stats`
gives paired intervals, :mod:`~polsim.measures.treated_areas` chooses treated, buffer and control
areas, :mod:`~polsim.measures.displacement` computes the Weighted Displacement Quotient.
"""
