"""A point of the front as a scenario TOML that ``polsim run`` and ``polsim compare`` take.

The file is the study's scenario file with the spec's fixed values and the point's
deployment written in (unit counts, shifts, explicit base cells, policy options). A scenario
has no policy field, so the point's policy is given in the header, with the command to run
it. The run length stays the scenario's own (the study's ``days`` was a search setting).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from polsim.experiments.optimise.space import Space
from polsim.output import write_atomically
from polsim.scenario import load_spec
from polsim.scenario.loader import apply_overrides, read_toml

RUN_LENGTH = ("time.days",)
"""Overrides of the search that are run settings, not part of the deployment."""


def scenario_data(space: Space, x: dict[str, Any] | None) -> dict[str, Any]:
    """The scenario file's tables with the point's deployment written in."""
    data = read_toml(Path(space.spec.scenario))
    overrides = space.overrides(x) if x is not None else space.spec.base_overrides()
    overrides = {k: v for k, v in overrides.items() if k not in RUN_LENGTH}
    return apply_overrides(data, overrides)


def scenario_text(space: Space, x: dict[str, Any] | None, header: list[str]) -> str:
    """TOML text of the point's scenario, with ``header`` lines as comments on top."""
    import tomli_w

    data = scenario_data(space, x)
    data["name"] = f"{data.get('name', 'scenario')}-optimised"
    body = tomli_w.dumps(data)
    return "".join(f"# {line}\n" for line in header) + body


def write_point(space: Space, x: dict[str, Any] | None, path: Path, header: list[str]) -> Path:
    """Write the point's scenario atomically, and check it loads as a valid scenario."""
    text = scenario_text(space, x, header)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))
    load_spec(path)
    return path


def header_lines(study: str, point: dict[str, Any], path_hint: str) -> list[str]:
    """What the exported file says about itself: where it came from and how to run it."""
    values = ", ".join(f"{m} {v['mean']:.4g}" for m, v in point["metrics"].items() if v["mean"] is not None)
    return [f"polsim optimise: point {point['point']} of the Pareto front of {study}",
            f"deployment: {point['describe']}",
            f"on the final runs: {values}",
            f"policy: {point['policy']} (a scenario has no policy field; give it when running):",
            f"  polsim run {path_hint} --policy {point['policy']}"]
