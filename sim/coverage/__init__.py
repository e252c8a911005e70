"""Service areas: the 1-, 3- and 5-minute circles of a deployment, and where to add sites.

- :mod:`polsim.coverage.fields`: minutes from the nearest unit to every cell, by the engine's
  travel rule and searches (:mod:`polsim.rules.travel`, :mod:`polsim.rules.routing`).
- :mod:`polsim.coverage.tables`: what each band holds, city-wide and by district, station
  and grid; the gaps beyond the widest band.
- :mod:`polsim.coverage.siting`: the maximal covering and set covering problems, solved by
  HiGHS (``scipy.optimize.milp``).
- :mod:`polsim.coverage.sites`: a siting study on the city, and the scenario that runs it.
- :mod:`polsim.coverage.dynamic`: static coverage against a run's calls.

The files (maps, GIS, ``report.html``) are written by :mod:`polsim.coverage.report`, and
the UI draws the circles of the units free now (:func:`polsim.coverage.study.live_minutes`).

``docs/coverage.md`` says what the circles mean and why they part from a run's ``within_3``.
"""
