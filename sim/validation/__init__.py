"""Validation of polsim against published results and closed forms.

One module per case: :mod:`hotspots` (Short et al. 2008), :mod:`erlang` (the dispatch
queue against Erlang C), :mod:`wdq` (Bowers & Johnson 2003 by hand), :mod:`backends`
(mesa and numba identical at scale). :mod:`report` runs them all and writes
``docs/validation.md`` with its figures; ``python -m polsim.validation`` or
``polsim validate-model`` call it.
"""
