"""Scenarios: the file format, its validation, and loading into a Mesa scenario."""

from polsim.scenario.loader import (
    SCENARIO_DIR,
    PolicingScenario,
    load_scenario,
    load_spec,
    parse_override,
    resolve_path,
)
from polsim.scenario.schema import LAND_USES, ScenarioSpec
from polsim.scenario.validate import FieldError, ScenarioError, SpecError

__all__ = [
    "LAND_USES",
    "SCENARIO_DIR",
    "PolicingScenario",
    "FieldError",
    "ScenarioError",
    "ScenarioSpec",
    "SpecError",
    "load_scenario",
    "load_spec",
    "parse_override",
    "resolve_path",
]
