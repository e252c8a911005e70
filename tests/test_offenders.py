"""Offenders: the one owner of their rows, kept in cell order without losing who is who."""

from __future__ import annotations

import numpy as np

from polsim.cities.city import generate_city
from polsim.scenario import load_spec
from tests.conftest import small_model


def test_sort_by_cell_moves_whole_rows():
    from polsim.engine.offenders import Offenders

    city = generate_city(load_spec("default")[0].city)
    o = Offenders.place(city, 500, np.random.default_rng(2))
    o.status[::7] = 2
    before = {name: arr.copy() for name, arr in vars(o).items()}
    order = o.sort_by_cell(city.cols)
    key = o.r * city.cols + o.c
    assert (np.diff(key) >= 0).all() and sorted(order.tolist()) == list(range(500))
    for name, arr in vars(o).items():  # every array follows its row, ids included
        np.testing.assert_array_equal(arr, before[name][order])


def test_mesa_agents_follow_their_offender_through_a_re_sort():
    from polsim.engine.agents import Offender
    from polsim.model import SORT_EVERY

    m = small_model(4, "mesa")
    m.run(SORT_EVERY - 1)
    agents = list(m.agents_by_type[Offender])
    who = {a.unique_id: int(m.offenders.id[a.index]) for a in agents}
    m._sort_offenders()
    assert all(int(m.offenders.id[a.index]) == who[a.unique_id] for a in agents)
    assert sorted(a.index for a in agents) == list(range(len(m.offenders)))
