"""polsim's model in Mesa's own ``SolaraViz``: ``solara run polsim.viz.mesa_viz``.

What a Mesa user writes for any model, on polsim's: the ``mesa`` backend's city as Mesa's
discrete space (``model.grid``, :mod:`polsim.engine.space`) drawn by ``make_space_component`` with
the attractiveness layer under the agents, and the DataCollector's series by
``make_plot_component``. Mesa's Play, Step and Reset drive it; Reset rebuilds step 0 of the
same run (:mod:`polsim.engine.mesa_reset`). polsim's own page (``polsim ui``) is the one with the
scenario, policy and compare controls.
"""

from __future__ import annotations

from typing import Any

from mesa.visualization import SolaraViz, make_plot_component, make_space_component
from mesa.visualization.components import AgentPortrayalStyle, PropertyLayerStyle

from polsim.engine.agents import Offender, PoliceUnit
from polsim.model import PolicingModel

SMALL_CITY = {"city.rows": 30, "city.cols": 30, "offenders.count": 150, "guardians.volunteers": 60,
              "time.start_hour": 10}
"""A 3 x 3 km default city: Mesa's matplotlib drawing of every agent stays quick at this size."""


def portrayal(agent: Any) -> AgentPortrayalStyle:
    """Units large and blue, offenders small and grey (pink while fleeing), guardians green."""
    if isinstance(agent, PoliceUnit):
        return AgentPortrayalStyle(color="tab:blue", size=40, marker="s", zorder=3)
    if isinstance(agent, Offender):
        return AgentPortrayalStyle(color="tab:pink" if agent.status == "fleeing" else "dimgrey", size=8, zorder=2)
    return AgentPortrayalStyle(color="tab:green", size=8, zorder=1)


def layer_style(layer: Any) -> PropertyLayerStyle | None:
    """The attractiveness layer under the agents; the other layers are not drawn."""
    if layer.name != "attractiveness":
        return None
    return PropertyLayerStyle(colormap="magma", alpha=0.6, colorbar=False)


def mesa_page(model: PolicingModel | None = None):
    """Mesa's ``SolaraViz`` of ``model`` (default: the small default city under hotspot patrol)."""
    model = model or PolicingModel("default", policy="hotspot", backend="mesa", seed=1, overrides=SMALL_CITY)
    return SolaraViz(model, components=[make_space_component(portrayal, layer_style, draw_grid=False),
                                        make_plot_component(["units_busy", "calls_waiting"])],
                     name="polsim in Mesa's SolaraViz")


page = mesa_page()
