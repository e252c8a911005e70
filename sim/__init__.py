"""polsim: a multi-agent policing simulation.

``PolicingModel`` is the public face: a ``mesa.Model`` built from a scenario file, a
deployment policy and a seed.
"""

from sim.model import PolicingModel
from sim.scenario import ScenarioError, load_scenario

__all__ = ["PolicingModel", "ScenarioError", "load_scenario"]
