"""A point of the front as a scenario TOML that ``polsim run`` and ``polsim compare`` take.

The file is the study's scenario file with the spec's fixed values and the point's
deployment written in (unit counts, shifts, explicit base cells, policy options) and the
point's policy as the scenario's own (``[policy] name``; ``--policy`` still overrides it). The
files it names (``city.source``, ``field.baseline``) are written as absolute paths, so the file
runs as written from any folder it is copied to. The run length stays the scenario's own (the
study's ``days`` was a search setting).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from polsim.experiments.optimise.space import Space
from polsim.files import write_atomically
from polsim.scenario import load_spec
from polsim.scenario.loader import apply_overrides, read_toml
from polsim.scenario.schema import FILE_FIELDS

RUN_LENGTH = ("time.days",)
"""Overrides of the search that are run settings, not part of the deployment."""


def scenario_data(space: Space, x: dict[str, Any] | None, policy: str | None = None) -> dict[str, Any]:
    """The scenario file's tables with the point's deployment (and ``policy``) written in, its paths absolute."""
    source = Path(space.spec.scenario)
    data = read_toml(source)
    overrides = space.overrides(x) if x is not None else space.spec.base_overrides()
    overrides = {k: v for k, v in overrides.items() if k not in RUN_LENGTH}
    if policy is not None:
        overrides["policy.name"] = policy
    data = apply_overrides(data, overrides)
    return absolute_paths(data, source.resolve().parent)


def absolute_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """``data`` with the files it names relative to ``base`` made absolute (``package:`` sources kept)."""
    from polsim.cities.source import resolve

    for table, key in FILE_FIELDS:
        value = data.get(table, {}).get(key) if isinstance(data.get(table), dict) else None
        if isinstance(value, str) and value:
            data[table] = {**data[table], key: resolve(value, base)}
    return data


def scenario_text(space: Space, x: dict[str, Any] | None, header: list[str], policy: str | None = None) -> str:
    """TOML text of the point's scenario, with ``header`` lines as comments on top."""
    import tomli_w

    data = scenario_data(space, x, policy)
    data["name"] = f"{data.get('name', 'scenario')}-optimised"
    body = tomli_w.dumps(data)
    return "".join(f"# {line}\n" for line in header) + body


def write_point(space: Space, x: dict[str, Any] | None, path: Path, header: list[str],
                policy: str | None = None) -> Path:
    """Write the point's scenario atomically, after checking that it loads as a valid scenario."""
    import tempfile

    text = scenario_text(space, x, header, policy)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".polsim-point-") as scratch:
        check = Path(scratch) / path.name  # checked where it will lie: the same folder
        check.write_text(text, encoding="utf-8")
        load_spec(check)
    write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path


def header_lines(study: str, point: dict[str, Any], path_hint: str) -> list[str]:
    """What the exported file says about itself: where it came from and how to run it."""
    values = ", ".join(f"{m} {v['mean']:.4g}" for m, v in point["metrics"].items() if v["mean"] is not None)
    return [f"polsim optimise: point {point['point']} of the Pareto front of {study}",
            f"deployment: {point['describe']}",
            f"on the final runs: {values}",
            f"policy: {point['policy']} (written in as [policy] name; --policy overrides it):",
            f"  polsim run {path_hint}"]
