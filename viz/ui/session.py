"""What the page asks for, as plain data, and the model built from it.

The page's controls (scenario, pasted TOML, policy, seed, sliders) fill a :class:`Settings`;
:func:`build_model` turns it into a ``PolicingModel`` through the engine's own loader, so a
bad value is the engine's one-line :class:`~polsim.scenario.ScenarioError`, never a traceback.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from polsim.model import PolicingModel
from polsim.policies import POLICIES
from polsim.scenario import ScenarioError, load_scenario
from polsim.scenario.loader import SCENARIO_DIR, parse_toml
from polsim.scenario.schema import ScenarioSpec

CUSTOM = "custom TOML"
"""The scenario choice that stands for a TOML pasted or uploaded in the page."""

PASTED_NAME = "pasted.toml"
"""The file name errors give for pasted TOML (an upload keeps its own name)."""


def shipped_scenarios() -> list[str]:
    """Names of the scenario files in ``scenarios/`` (``default`` first)."""
    names = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
    return sorted(names, key=lambda n: n != "default")


def policy_names() -> list[str]:
    """The built-in policies, read at call time: the registry grows as policies are added."""
    return list(POLICIES)


@dataclass(frozen=True)
class Settings:
    """Everything that defines the model on the page; a new value means a new model.

    ``None`` in a parameter keeps the scenario's own value. ``units`` maps a unit table name
    to its count.
    """

    scenario: str = "default"
    toml_text: str = ""
    toml_name: str = PASTED_NAME
    policy: str = "random"
    seed: int = 1
    units: dict[str, int] = field(default_factory=dict)
    offenders: int | None = None
    deterrence: float | None = None
    replan_days: float | None = None
    dispatch: str | None = None

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def overrides(self) -> dict[str, Any]:
        """The slider values as the loader's dotted overrides."""
        out: dict[str, Any] = {f"units.{name}.count": n for name, n in self.units.items()}
        for key, value in (("offenders.count", self.offenders), ("deterrence.police", self.deterrence),
                           ("policy.replan_days", self.replan_days)):
            if value is not None:
                out[key] = value
        return out


def scenario_source(settings: Settings) -> str | dict[str, Any]:
    """The scenario to load: a shipped name, or the parsed pasted TOML."""
    if settings.scenario != CUSTOM:
        return settings.scenario
    return parse_toml(settings.toml_text, settings.toml_name)


def load_spec_of(settings: Settings) -> ScenarioSpec:
    """Validate the scenario with the sliders' overrides; errors name the pasted file."""
    return _load(settings).spec


def _load(settings: Settings):
    try:
        return load_scenario(scenario_source(settings), settings.overrides(), seed=settings.seed)
    except ScenarioError as err:
        if settings.scenario == CUSTOM and err.file == "<scenario>":
            raise ScenarioError(settings.toml_name, err.field, err.problem) from None
        raise


def build_model(settings: Settings) -> PolicingModel:
    """The model the page shows, on the numba backend (fast enough to draw every step).

    Raises ``ScenarioError`` for a bad scenario or slider value and ``ValueError`` (one line)
    for an unknown policy.
    """
    return PolicingModel(_load(settings), policy=settings.policy, backend="numba",
                         seed=settings.seed, dispatch=settings.dispatch)
