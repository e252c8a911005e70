"""polsim: a multi-agent policing simulation.

``PolicingModel`` is the public face: a ``mesa.Model`` built from a scenario file, a
deployment policy and a seed.
"""

import os

# The threads of Numba's parallel loops (OpenMP) spin after every loop by default, waiting
# for the next. On a machine with other work on its cores (a browser beside the UI, a second
# test worker, other users) a spinning thread holds a core the other work needs, and the next
# parallel loop then waits a whole scheduler slice for its own thread: beside one busy process
# a city-scale step is much slower spinning than sleeping, and on an idle machine sleeping costs
# a few percent (docs/performance.md, "Figures behind the code"). Set before Numba starts its
# threads; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from polsim.model import PolicingModel  # noqa: E402
from polsim.scenario import ScenarioError, load_scenario  # noqa: E402

__all__ = ["PolicingModel", "ScenarioError", "load_scenario"]
