"""The scenario loader: every malformed file gives one line naming file, field and what is allowed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polsim.scenario import SCENARIO_DIR, ScenarioError, load_scenario, load_spec, parse_override

DEFAULT = tomllib.loads((SCENARIO_DIR / "default.toml").read_text())


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(tomli_w.dumps(data))
    return path


def error_of(path_or_data, overrides=None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_spec(path_or_data, overrides)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_default_loads_with_its_units():
    spec, _ = load_spec("default")
    assert spec.units["motorcycle_squad"].crew == 4
    assert spec.units["drone"].can_arrest is False
    assert spec.units["patrol_car"].count == 10


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"city": {"rowz": 3}}, "city.rowz", "unknown field; allowed:"),
        ({"offenders": {"count": -5}}, "offenders.count", "must be >= 0"),
        ({"offenders": {"count": "many"}}, "offenders.count", "must be an integer"),
        ({"units": {"patrol_car": {"count": 3, "speed_kmh": 0}}}, "units.patrol_car.speed_kmh", "must be > 0"),
        ({"units": {"hovercraft": {"count": 1}}}, "units.hovercraft", "unknown unit kind"),
        ({"dispatch": {"rule": "closest"}}, "dispatch.rule", "must be one of avl, zone"),
        ({"city": {"footfall_by_hour": [1.0, 2.0]}}, "city.footfall_by_hour", "exactly 24 values"),
        ({"city": {"code": "12ab56"}}, "city.code", "6 digits"),
        ({"time": {"step_minutes": 0}}, "time.step_minutes", "must be >= 0.01"),
        ({"crimes": {"robbery": {"priority": 9}}}, "crimes.robbery.priority", "must be <= 5"),
        ({"units": {"patrol_car": {"count": 1, "shift": [20, 8]}}}, "units.patrol_car", "end must be after start"),
    ],
)
def test_bad_field_is_named_with_what_is_allowed(tmp_path, change, field, words):
    data = {**DEFAULT, **{k: {**DEFAULT.get(k, {}), **v} for k, v in change.items()}}
    message = error_of(write(tmp_path, data))
    assert message.startswith(f"{tmp_path / 's.toml'}: {field}")
    assert words in message


def test_unit_based_on_blocked_cell_is_rejected(tmp_path):
    from polsim.cities.city import generate_city

    spec, _ = load_spec("default")
    city = generate_city(spec.city)
    r, c = map(int, next(iter(zip(*(~city.passable).nonzero(), strict=True))))
    data = {**DEFAULT, "units": {"patrol_car": {"count": 1, "base_cells": [[r, c]]}}}
    message = error_of(write(tmp_path, data))
    assert "units.patrol_car.base_cells[0]" in message and "blocked" in message


def test_not_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[city\nrows = 3")
    assert "not valid TOML" in error_of(bad)
    assert "file not found" in error_of(tmp_path / "nope.toml")


def test_set_overrides_are_validated_like_the_file():
    assert "offenders.count" in error_of("default", dict([parse_override("offenders.count=-1")]))
    spec, _ = load_spec("default", dict([parse_override("offenders.count=17")]))
    assert spec.offenders.count == 17
    assert parse_override("dispatch.rule=zone") == ("dispatch.rule", "zone")
    with pytest.raises(ScenarioError):
        parse_override("novalue")


def test_scenario_is_the_models_mesa_scenario():
    from mesa.experimental.scenarios import Scenario

    sc = load_scenario("default", seed=5)
    assert isinstance(sc, Scenario) and sc.rng == 5


# -- property-based: any malformed file is a one-line ScenarioError, never a traceback -----------
scalars = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                    st.booleans(), st.text(max_size=8), st.lists(st.integers(-3, 3), max_size=3))
keys = st.sampled_from(sorted({*DEFAULT, "bogus"}))
values = st.recursive(scalars, lambda inner: st.dictionaries(st.text(min_size=1, max_size=6), inner,
                                                             max_size=3), max_leaves=6)


def _set_path(data: dict, path: list[str], value) -> dict:
    node = data
    for part in path[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[path[-1]] = value
    return data


def _sections():
    """Every top-level key and every field of every table of the default scenario."""
    out = set(DEFAULT)
    for k, v in DEFAULT.items():
        if isinstance(v, dict):
            out.update(f"{k}.{sub}" for sub in v)
    return sorted(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(_sections()), extra=st.sampled_from(["", "zzz", "count", "speed_kmh"]),
       value=values)
def test_mutated_files_never_raise_anything_but_scenario_error(tmp_path, path, extra, value):
    parts = path.split(".") + ([extra] if extra else [])
    data = _set_path(tomllib.loads(tomli_w.dumps(DEFAULT)), parts, value)
    try:
        load_spec(write(tmp_path, data))
    except ScenarioError as err:
        assert "\n" not in str(err) and str(err).startswith(str(tmp_path))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_raises_anything_but_scenario_error(tmp_path, text):
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_spec(path)
    except ScenarioError as err:
        assert "\n" not in str(err)
