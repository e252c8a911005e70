"""Mesa's ``SolaraViz`` Reset rebuilds the same run: the model's scenario remembers it.

Mesa 3.5's Reset (``mesa.visualization.solara_viz``, ``_build_model_init_kwargs``) builds a
new model as ``type(model)(scenario=type(model.scenario)(**slider_values))``: the scenario's
*class*, called with the sliders alone, must therefore carry everything the run was built
from. :func:`rerunnable` gives each model's scenario its own subclass of
:class:`~polsim.scenario.PolicingScenario` whose class-level defaults (Mesa's
``_scenario_defaults``) are that scenario's ``spec`` and ``source`` and ``rerun``: the policy,
backend and seed the model was built with (the dispatch rule is the spec's). ``PolicingModel`` reads ``rerun``
for each argument it was not given, so Reset gives step 0 of the same run, and a value
given (a ``model_params`` slider such as ``rng`` or ``policy``) wins.
"""

from __future__ import annotations

import copy
from typing import Any

from polsim.scenario import PolicingScenario
from polsim.scenario.schema import ScenarioSpec


def rerunnable(scenario: PolicingScenario, **rerun: Any) -> PolicingScenario:
    """``scenario`` as an instance of a subclass that ``type(s)()`` rebuilds with ``rerun``.

    A policy given as an instance is kept as a pristine copy (policies keep state once set up).
    """
    if "policy" in rerun and not isinstance(rerun["policy"], str):
        rerun["policy"] = copy.deepcopy(rerun["policy"])
    cls = type(PolicingScenario.__name__, (PolicingScenario,), {
        "__module__": PolicingScenario.__module__, "__qualname__": PolicingScenario.__qualname__,
        "__annotations__": {"spec": ScenarioSpec, "source": str, "rerun": dict},
        "spec": scenario.spec, "source": scenario.source, "rerun": rerun,
    })
    return cls(rng=scenario.rng, spec=scenario.spec, source=scenario.source, rerun=rerun)


def rerun_value(scenario: PolicingScenario, name: str, given: Any, default: Any) -> Any:
    """``given`` if not None, else what ``scenario`` remembers of ``name``, else ``default``."""
    if given is not None:
        return given
    value = getattr(scenario, "rerun", {}).get(name, default)
    return copy.deepcopy(value) if name == "policy" and not isinstance(value, str) else value
