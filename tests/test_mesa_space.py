"""The city as Mesa's discrete space (mesa backend), and Mesa's SolaraViz Reset (issue 27, part 4)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from mesa.discrete_space import OrthogonalMooreGrid
from mesa.visualization.solara_viz import _build_model_init_kwargs

from polsim import PolicingModel
from polsim.engine.agents import Guardian, Offender, PoliceUnit
from polsim.policies.hotspot import HotspotPatrol
from tests.conftest import small_model


def summary_text(model: PolicingModel) -> str:
    return json.dumps(model.summary(), sort_keys=True, default=str)


def test_every_mesa_agent_stands_in_its_cell_of_the_citys_grid():
    m = small_model(3, "mesa")
    assert isinstance(m.grid, OrthogonalMooreGrid) and m.grid.dimensions == (m.city.rows, m.city.cols)
    for _ in range(5):
        m.step()
        for kind, rows in ((Offender, m.offenders), (PoliceUnit, m.units), (Guardian, m.guardians)):
            for agent in m.agents_by_type[kind]:
                where = (int(rows.r[agent.index]), int(rows.c[agent.index]))
                assert agent.cell.coordinate == where == agent.pos and agent in agent.cell.agents
    assert sum(len(cell.agents) for cell in m.grid.all_cells) == len(m.agents)
    a_cell = m.grid[(4, 7)]
    assert a_cell == (4, 7) and a_cell != (7, 4) and a_cell is not m.grid[(7, 4)]


def test_the_grids_layers_are_the_citys():
    m = small_model(3, "mesa")
    m.run(3)
    g = m.grid
    np.testing.assert_array_equal(g.land_use.data, m.city.land_use)
    np.testing.assert_array_equal(g.passable.data, m.city.passable)
    np.testing.assert_allclose(g.footfall.data, m.city.footfall(m.hour))
    np.testing.assert_allclose(g.attractiveness.data, m.field.a0 + m.field.b)
    cell = g[(5, 6)]
    assert cell.land_use == m.city.land_use[5, 6] and cell.attractiveness == pytest.approx(m.a0[5, 6] + m.b[5, 6])


def test_mesa_solaraviz_reset_rebuilds_the_same_run():
    """Mesa's Reset builds ``type(model)(scenario=type(model.scenario)())``: it must be step 0 of the same run."""
    first = small_model(5, "mesa", policy="hotspot", extra={"dispatch.rule": "avl"})
    first.run(4)
    kwargs = _build_model_init_kwargs(first, {}, add_scenario_when_empty=True, require_model_accepts_scenario=True)
    again = type(first)(**kwargs)
    assert (again.steps, again.backend.name, again.policy.name, again.seed) == (0, "mesa", "hotspot", 5)
    again.run(4)
    assert summary_text(again) == summary_text(first)
    # a slider value given to Reset wins over what the scenario remembers
    other = type(first)(**_build_model_init_kwargs(first, {"rng": 6}, add_scenario_when_empty=True,
                                                   require_model_accepts_scenario=True))
    assert other.seed == 6 and other.policy.name == "hotspot"


def test_reset_of_a_policy_instance_starts_from_a_fresh_copy():
    policy = HotspotPatrol()
    first = small_model(2, policy=policy)
    first.run(3)
    again = type(first)(**_build_model_init_kwargs(first, {}, add_scenario_when_empty=True,
                                                   require_model_accepts_scenario=True))
    assert again.policy is not policy and type(again.policy) is HotspotPatrol
    assert summary_text(again.run(3)) == summary_text(first)


def test_agents_frame_reads_either_backend_the_same_and_is_a_copy():
    from polsim.engine.agent_view import agents_frame

    numba, mesa = small_model(4, "numba").run(5), small_model(4, "mesa").run(5)
    assert len(numba.agents) == 0
    for population in ("offenders", "units", "guardians"):
        a, b = agents_frame(numba, population), agents_frame(mesa, population)
        assert len(a) == len(getattr(numba, population)) > 0
        assert a.equals(b)
    units = agents_frame(mesa, "units")
    for agent in mesa.agents_by_type[PoliceUnit]:
        row = units.iloc[agent.index]
        assert (row["row"], row["col"]) == agent.cell.coordinate and row["state"] == agent.state
    units.loc[:, "row"] = -1
    assert (mesa.units.r >= 0).all() and (agents_frame(mesa, "units")["row"] >= 0).all()


def test_mesas_space_component_draws_the_grid_and_every_agent():
    """``make_space_component`` once failed on the model ("Unknown space type: NoneType")."""
    import solara
    from mesa.visualization.mpl_space_drawing import collect_agent_data

    from polsim.viz.mesa_viz import SMALL_CITY, layer_style, mesa_page, portrayal

    m = PolicingModel("default", backend="mesa", seed=1, overrides=SMALL_CITY).run(2)
    data = collect_agent_data(m.grid, portrayal)
    assert len(data["loc"]) == len(m.agents)
    where = {tuple(xy) for xy in data["loc"].tolist()}
    assert (int(m.units.r[0]), int(m.units.c[0])) in where
    solara.render(mesa_page(m), handle_error=False)  # the whole SolaraViz page builds
    assert layer_style(m.grid.layer("attractiveness")) is not None and layer_style(m.grid.layer("land_use")) is None
