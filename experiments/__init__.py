"""Experiment designs over the engine: comparisons, sweeps and optimisation.

:mod:`~polsim.experiments.compare` runs deployments (or scenarios) side by side on common random
numbers; :mod:`~polsim.experiments.sweep` runs designs x policies x replications on Dask with
results in Parquet; :mod:`~polsim.experiments.optimise` searches deployments (NSGA-II/III) with
trials run as sweep runs. ``studies/`` holds the specs of the shipped studies.
"""
