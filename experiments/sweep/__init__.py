"""Parameter sweeps: designs x policies x replications, run on Dask, results in Parquet.

A sweep spec (TOML, :mod:`~polsim.experiments.sweep.spec`) names a scenario, the parameters to
vary and how (:mod:`~polsim.experiments.sweep.design`), the policies and the replications.
:mod:`~polsim.experiments.sweep.plan` turns it into the list of runs,
:mod:`~polsim.experiments.sweep.runner` runs them on a Dask cluster and
:mod:`~polsim.experiments.sweep.store` keeps one Parquet part file per finished run, so a killed
sweep resumes where it stopped. :mod:`~polsim.experiments.sweep.report` turns a sweep folder into
tables with confidence intervals, figures and ``report.html``. See ``docs/sweeps.md``.
"""

from polsim.experiments.sweep.plan import Plan, PlannedRun, make_plan
from polsim.experiments.sweep.spec import SweepSpec, load_sweep

__all__ = ["Plan", "PlannedRun", "SweepSpec", "load_sweep", "make_plan"]
