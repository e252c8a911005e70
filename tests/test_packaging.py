"""The installed package is self-contained: every source folder ships, under one name."""

from __future__ import annotations

import tomllib
from pathlib import Path

from polsim.scenario import SCENARIO_DIR

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_folder_is_listed_under_polsim():
    config = _config()
    folder_of = {name: ROOT / path for name, path in config["package-dir"].items()}
    on_disk = set()
    for name, folder in folder_of.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder)
            sub = ".".join((name, *rel.parts)) if rel.parts else name
            # a folder that another mapping owns (viz/ under polsim's sim/? none) is counted once
            on_disk.add(sub)
    assert set(config["packages"]) == on_disk
    assert all(name == "polsim" or name.startswith("polsim.") for name in config["packages"])


def test_shipped_scenarios_are_package_data():
    assert "*.toml" in _config()["package-data"]["polsim.scenarios"]
    assert (SCENARIO_DIR / "default.toml").is_file()
