"""The scenario files shipped with polsim: the small default city and the seed-city presets.

Data only; :func:`polsim.scenario.loader.resolve_path` finds them with ``importlib.resources``,
so a wheel install finds them as well as a checkout.
"""
