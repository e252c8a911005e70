"""A policy sees a PolicyView, never the model: what it may read, what it may ask for, and
incidents as events the incident log sends it."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from polsim.cli import main
from polsim.policies import Policy, PolicyView
from tests.conftest import small_model

DOCS = Path(__file__).resolve().parent.parent / "docs" / "policies.md"


class Recorder(Policy):
    """Random patrol that notes what it is handed and every incident it is told of."""

    name = "recorder"

    def setup(self, view) -> None:
        super().setup(view)
        self.handed: set[type] = {type(view)}
        self.told: list[tuple[int, float, float]] = []  # (id, its call time, the time it was told)
        self.view = view
        view.on_incident(lambda inc: self.told.append((inc.id, inc.t_call, self.view.now)))

    def on_step(self, view) -> None:
        self.handed.add(type(view))

    def patrol_targets(self, view, units, u):
        self.handed.add(type(view))
        return super().patrol_targets(view, units, u)


def test_every_hook_gets_the_view_and_every_incident_is_told_once_in_order():
    m = small_model(2, policy=Recorder(), extra={"time.days": 0.25})
    m.run()
    p = m.policy
    assert p.handed == {PolicyView}
    assert [i for i, _, _ in p.told] == list(range(len(m.incidents))) and len(p.told) > 5
    table = m.incident_table()
    for (inc_id, t_call, told_at), called in zip(p.told, table["t_call"], strict=True):
        assert inc_id == table["id"][inc_id]
        assert np.array_equal(t_call, called, equal_nan=True)  # complete when told (on-view: no call)
        assert told_at - m.dt <= table["t_crime"][inc_id] < told_at  # at the end of its first step


def test_the_view_reads_what_it_says_and_asks_change_only_through_the_owners():
    m = small_model(1, policy="cordon")
    m.step()
    view = m.policy_view
    assert view.options is m.spec.policy and view.city is m.city and view.units is m.units
    assert (view.now, view.hour) == (m.now, m.hour) and view.a0 is m.field.a0
    assert view.random is m.streams.policy and view.seed == m.seed == 1
    with pytest.raises(ValueError):
        view.crimes_by_cell[0, 0, 0] = 1  # read only
    free = view.free_units()
    free[:] = False
    assert m.dispatch.available().any()  # the policy's mask is its own
    r, c = np.argwhere(m.city.passable)[0]
    j = view.intercept(int(r), int(c), m.dispatch.available() & m.units.can_arrest)
    assert j >= 0 and (m.units.tgt_r[j], m.units.tgt_c[j]) == (r, c) and m.units.state[j] == 3  # pursuing
    view.release([j])
    assert m.units.state[j] != 3


def test_an_old_style_policy_that_reaches_for_the_model_fails_with_a_clear_message():
    with pytest.raises(AttributeError, match=r"PolicyView, not the model, and it has no 'dispatch': a policy may "
                                             r"read options, city, units.* \(docs/policies.md\)"):
        small_model(1).policy_view.dispatch  # noqa: B018


def test_old_style_policies_on_the_command_line(tmp_path, capsys, monkeypatch):
    """One that reads what the view has runs; one that reaches further is the one-line error, exit 2."""
    module = types.ModuleType("oldpols")
    exec('''
from polsim.policies import Policy

class Home(Policy):
    name = "home"
    def patrol_targets(self, model, units, u):
        return model.units.base_r[units], model.units.base_c[units]

class Reach(Policy):
    name = "reach"
    def on_step(self, model):
        model.dispatch.dispatch_waiting()
''', module.__dict__)
    monkeypatch.setitem(sys.modules, "oldpols", module)
    short = ["--steps", "10", "--set", "offenders.count=100", "--no-progress"]
    assert main(["run", "default", "--policy", "oldpols:Home", *short, "--out", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    assert main(["run", "default", "--policy", "oldpols:Reach", *short, "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err] and "PolicyView, not the model" in err and "'dispatch'" in err


def test_the_policy_written_in_the_docs_runs_on_both_backends():
    code = re.search(r"```python\n(import numpy as np\n\nfrom polsim.policies import Policy, PolicyView\n.*?)```",
                     DOCS.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)
    summaries = []
    for backend in ("numba", "mesa"):
        m = small_model(4, backend, policy=namespace["NightShift"](), extra={"time.days": 0.5,
                                                                          "time.start_hour": 16})
        m.run()
        summaries.append({k: v for k, v in m.summary().items() if k != "backend"})
    assert summaries[0] == summaries[1] and summaries[0]["policy"] == "night_shift"
