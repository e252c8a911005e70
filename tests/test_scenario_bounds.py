"""Every scenario field is bounded, the documented range is the checked one, and the limits
that hold whatever a file holds (size, nesting, text) give the one-line error."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from polsim.scenario import ScenarioError, load_spec
from polsim.scenario.loader import MAX_FILE_BYTES, parse_override, parse_toml
from polsim.scenario.reference import BEGIN, END, field_table
from polsim.scenario.schema import MAX_STEPS, ScenarioSpec

ROOT = Path(__file__).resolve().parents[1]


def _fields(cls=ScenarioSpec, prefix=""):
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            yield from _fields(tp, f"{prefix}{f.name}.")
            continue
        yield f"{prefix}{f.name}", tp, f.metadata
        if typing.get_origin(tp) is dict and dataclasses.is_dataclass(typing.get_args(tp)[1]):
            yield from _fields(typing.get_args(tp)[1], f"{prefix}{f.name}.NAME.")


def _leaf(tp):
    while typing.get_origin(tp) in (list, dict):
        tp = typing.get_args(tp)[-1]
    return tp


@pytest.mark.parametrize(("name", "tp", "meta"), list(_fields()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_field_has_bounds_both_ways(name, tp, meta):
    origin, leaf = typing.get_origin(tp), _leaf(tp)
    if origin is list:
        assert "length" in meta or "maxlen" in meta, f"{name}: a list with no length bound"
    if origin is dict:
        assert "keys" in meta or "max_items" in meta, f"{name}: a table with no bound on its entries"
    if leaf in (int, float) and "allowed" not in meta:
        assert {"ge", "gt"} & set(meta) and {"le", "lt"} & set(meta), f"{name}: a number bounded one way only"
    assert meta.get("doc") or dataclasses.is_dataclass(leaf), f"{name}: no doc string"


def test_the_docs_table_is_the_schema():
    page = (ROOT / "docs" / "scenarios.md").read_text()
    assert BEGIN in page and END in page
    assert page.split(BEGIN)[1].split(END)[0].strip() == field_table(), \
        "docs/scenarios.md is stale: python -m polsim.scenario.reference docs/scenarios.md"


def _error(data, overrides=None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_spec(data, overrides)
    text = str(info.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize(("data", "words"), [
    ({"time": {"days": 1e-300}}, "time.days: 1e-300 days is 1.44e-297 steps of 1 min; allowed: at least one step"),
    ({"time": {"days": 3660, "step_minutes": 0.01}}, f"time: 3660 days of 0.01-minute steps is 527,040,000 steps; "
                                                     f"allowed: at most {MAX_STEPS:,}"),
    ({"city": {"rows": 5000, "cols": 5000}}, "city: 5000 x 5000 = 25,000,000 cells; allowed: at most 10,000,000"),
    ({"city": {"rows": 2000, "cols": 2000, "grid_cells": 1}}, "city: 4,000,000 comprehensive grids"),
    ({"city": {"land_use": {k: 0.0 for k in ("residential", "commercial", "market", "school", "park", "transit",
                                            "blocked")}}}, "city.land_use.residential: residential land is what"),
    ({"city": {"footfall_by_hour": [0.0] * 24}}, "city.footfall_by_hour: all zero"),
    ({"city": {"rows": 5}}, "city: 5 x 60 cells cannot hold the 6-cell blocks of blocked land"),
    ({"crimes": {c: {"weight": 0.0} for c in ("pickpocketing", "robbery", "ebike_theft", "burglary", "assault")}},
     "crimes: every crime type has weight 0"),
    ({"name": "evil\x1b[31m"}, "name: must be printable text (no control characters)"),
    ({"name": "x" * 101}, "name: must be at most 100 characters, got 101"),
    ({"crimes": {"a.b": {"weight": 1.0}}}, "crimes.'a.b': must be a name"),
    ({"crimes": {f"t{i}": {"weight": 1.0} for i in range(40)}}, "crimes: must have at most 32 entries"),
    ({"units": {f"u{i}": {"kind": "drone"} for i in range(33)}}, "units: must have at most 32 entries"),
    ({"units": {"patrol_car": {"base_cells": [[1, 1]] * 50_001}}}, "units.patrol_car.base_cells: must have at most"),
    ({"guardians": {"sight_m": 1e12}}, "guardians.sight_m: must be <= 1000"),
    ({"time": {"days": [[[[[[[[[[1]]]]]]]]]]}}, "tables and arrays nest too deeply"),
])
def test_cross_field_and_structure_limits(data, words):
    assert words in _error(data)


def test_a_land_use_without_residential_or_consistent_with_the_rest_is_fine():
    load_spec({"city": {"land_use": {"blocked": 0.3}}})
    load_spec({"city": {"land_use": {"residential": 0.7, "blocked": 0.3}}})


def test_a_small_city_runs_when_its_land_use_fits():
    """The Short et al. torus of the validation is 4 x 4 residential cells; the 20 x 4 city the
    property test found crashed the generator (blocked land comes in blocks up to 6 wide)."""
    from polsim import PolicingModel

    PolicingModel("default", overrides={"city.rows": 4, "city.cols": 4, "city.land_use": {"residential": 1.0}},
                  seed=1).run(steps=2)
    PolicingModel("default", overrides={"city.rows": 20, "city.cols": 6}, seed=1).run(steps=2)


def test_deep_nesting_and_huge_text_are_refused_before_anything_recurses(tmp_path):
    for text in ("a = " + "[" * 100_000 + "]" * 100_000, "a = " + "{b = " * 100_000 + "1" + "}" * 100_000):
        with pytest.raises(ScenarioError, match="nest too deeply"):
            parse_toml(text, "deep.toml")
    big = tmp_path / "big.toml"
    big.write_bytes(b"# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    assert "larger than 1 MiB" in _error(big)
    assert "larger than 1 MiB" in _error(Path("/dev/zero"))
    assert "is a folder" in _error(tmp_path)
    (tmp_path / "latin1.toml").write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    assert "not UTF-8 text" in _error(tmp_path / "latin1.toml")


def test_set_keys_and_values_are_bounded_too():
    for item, words in (("a." * 5000 + "b=1", "more than 8 parts"), ("time.days=" + "[" * 5000 + "]" * 5000,
                                                                      "nests too deeply")):
        with pytest.raises(ScenarioError, match=words) as info:
            parse_override(item)
        assert len(str(info.value)) < 300
