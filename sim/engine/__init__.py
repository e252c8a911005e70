"""The engine: the components a :class:`polsim.model.PolicingModel` is built from.

Each module owns one concept and is its only writer: :mod:`~polsim.engine.units` the police
units, :mod:`~polsim.engine.offenders` the offenders, :mod:`~polsim.engine.incident` and
:mod:`~polsim.engine.incident_log` the incidents, :mod:`~polsim.engine.dispatch` the dispatch
centre's queue, :mod:`~polsim.engine.presence` who is seen where, :mod:`~polsim.engine.field` the
attractiveness field, :mod:`~polsim.engine.router` travel on the network. Components take what
they use (like SimPy's resources, an environment and their own inputs), never the model; the
compiled rules they call live in :mod:`polsim.rules`, the same for both backends
(:mod:`~polsim.engine.backends`, :mod:`~polsim.engine.agents`).
"""
