"""Deployment optimisation: a noise-aware multi-objective search over deployments, on Dask.

``polsim optimise SPEC --out DIR`` reads a spec (:mod:`.spec`, checked by :mod:`.checks`),
builds the decision space (:mod:`.space`: unit counts, staffed bases, shifts, policy and its
options), searches it with pymoo's NSGA-II or NSGA-III through ask/tell with a noise layer of
its own (:mod:`.search`: common random numbers within a generation, survivors re-run on fresh
seeds, constraints as constraints), caches every run by candidate and seed
(:mod:`.evaluations`), re-runs the final front on fresh seeds with 95% intervals
(:mod:`.final`), and writes each point as a scenario file (:mod:`.export`). All contact with
the sweep machinery (Dask, part files, metric names) is in :mod:`.evaluate`. ``polsim report
DIR`` draws the front (:mod:`.report`). See ``docs/optimise.md``.
"""

from polsim.experiments.optimise.checks import load_optimise
from polsim.experiments.optimise.spec import OptimiseSpec

__all__ = ["OptimiseSpec", "load_optimise"]
