"""What the page asks for, as plain data, and the model built from it.

The page's controls (scenario, pasted TOML, policy, seed, sliders) fill a :class:`Settings`;
:func:`build_model` turns it into a ``PolicingModel`` through the engine's own loader, so a
bad value is the engine's one-line :class:`~polsim.scenario.ScenarioError`, never a traceback,
and a pasted scenario meets the same bounds and memory estimate as ``polsim run``.

A ``package.module:Class`` policy typed into the page makes the server import code, so the
page is stricter than the command line (:func:`page_policy_problem`): such policies load only
when the server serves this machine alone (or ``polsim ui --allow-custom-policies`` says so),
and only from the server's working directory or ``polsim.policies``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any

from polsim.model import PolicingModel
from polsim.policies import POLICIES, custom_modules, not_a_policy_module
from polsim.scenario import ScenarioError, load_scenario
from polsim.scenario.loader import SCENARIO_DIR, parse_toml
from polsim.scenario.schema import ScenarioSpec
from polsim.viz.ui.pasted_files import pasted_file_problem
from polsim.viz.ui.server import CUSTOM_POLICIES_ENV, is_local, serves_others

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
                           ("policy.replan_days", self.replan_days), ("dispatch.rule", self.dispatch)):
            if value is not None:
                out[key] = value
        return out


def scenario_source(settings: Settings) -> str | dict[str, Any]:
    """The scenario to load: a shipped name, or the parsed pasted TOML (refused when it names a
    file the page may not open: :mod:`polsim.viz.ui.pasted_files`).
    """
    if settings.scenario != CUSTOM:
        return settings.scenario
    data = parse_toml(settings.toml_text, settings.toml_name)
    problem = pasted_file_problem(data, Path.cwd(), serves_others())
    if problem is not None:
        raise ScenarioError(settings.toml_name, *problem)
    return data


def load_spec_of(settings: Settings) -> ScenarioSpec:
    """Validate the scenario with the sliders' overrides; errors name the pasted file."""
    return _load(settings).spec


def _load(settings: Settings):
    with _named_after_the_paste(settings):
        return load_scenario(scenario_source(settings), settings.overrides(), seed=settings.seed)


@contextmanager
def _named_after_the_paste(settings: Settings) -> Iterator[None]:
    """Errors about pasted TOML name it as the page does (``pasted.toml``, or the upload's name)."""
    try:
        yield
    except ScenarioError as err:
        if settings.scenario == CUSTOM and err.file == "<scenario>":
            raise ScenarioError(settings.toml_name, err.field, err.problem) from None
        raise


def build_model(settings: Settings) -> PolicingModel:
    """The model the page shows, on the numba backend (fast enough to draw every step).

    Raises ``ScenarioError`` for a bad scenario or slider value, or one that would not fit the
    server's memory, and ``ValueError`` (one line) for an unknown or refused policy.
    """
    problem = page_policy_problem(settings.policy)
    if problem:
        raise ValueError(problem)
    scenario = _load(settings)
    with _named_after_the_paste(settings):  # the memory estimate's refusal
        return PolicingModel(scenario, policy=settings.policy, backend="numba", seed=settings.seed)


PAGE_POLICY_PACKAGE = "polsim.policies"
"""The one installed package the page loads policy modules from."""


def custom_policies_allowed() -> bool:
    """Whether this server may load ``package.module:Class`` policies: as ``polsim ui`` decided,
    or else (``solara run`` started it) only if it listens on this machine alone.
    """
    given = os.environ.get(CUSTOM_POLICIES_ENV)
    if given is not None:
        return given == "1"
    return is_local(os.environ.get("SERVER_NAME", "127.0.0.1"))


def page_policy_problem(policy: str) -> str | None:
    """Why the page refuses ``policy`` (a one-line message), or ``None`` if it may load it."""
    modules = custom_modules(policy)
    if not modules:
        return None
    if not custom_policies_allowed():
        return (f"policy {policy!r}: this server serves other machines, so it loads no policy modules "
                "typed into the page; choose a built-in policy, or restart it with polsim ui "
                "--allow-custom-policies")
    for module in modules:
        if not_a_policy_module(module) or not _in_working_directory_or_polsim(module):
            return (f"policy {policy!r}: the page loads policy modules from the server's working "
                    f"directory ({os.getcwd()}) or {PAGE_POLICY_PACKAGE} only, not {module!r}")
    return None


def _in_working_directory_or_polsim(module: str) -> bool:
    """``module`` is in ``polsim.policies``, or its package is a folder (or file) in the working
    directory and no other module of that name is loaded already (``this``, ``os``, ``antigravity``
    and polsim's own command line are not). Nothing is imported to find out.
    """
    if module == PAGE_POLICY_PACKAGE or module.startswith(PAGE_POLICY_PACKAGE + "."):
        return True
    top = module.split(".")[0]
    if not top.isidentifier() or top == "polsim":
        return False
    cwd = Path.cwd().resolve()
    loaded = sys.modules.get(top)
    if loaded is not None:
        origin = getattr(loaded, "__file__", None)
        return origin is not None and cwd in Path(origin).resolve().parents
    return PathFinder.find_spec(top, [str(cwd)]) is not None
