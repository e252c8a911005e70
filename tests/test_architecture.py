"""The architecture holds: no import cycles, and the engine's layers (import-linter contracts in
pyproject.toml), checked on the package as the wheel lays it out."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lay_out_as_installed(out: Path) -> Path:
    """Copy the sources into ``out`` the way the wheel installs them (``polsim/``, ``polsim/viz/``...).

    The repository keeps ``sim/``, ``viz/``, ``experiments/`` side by side and setuptools maps
    them under one name; import analysis walks a package's own folder, so it needs them nested.
    """
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    for name, folder in mapping.items():
        dst = out.joinpath(*name.split("."))
        for src in (ROOT / folder).rglob("*.py"):
            rel = src.relative_to(ROOT / folder)
            if "__pycache__" not in rel.parts:
                (dst / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst / rel)
    return out


def test_import_contracts_are_kept(tmp_path):
    tree = lay_out_as_installed(tmp_path / "tree")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_the_contracts_would_catch_a_cycle(tmp_path):
    """A module low in the engine importing the model breaks every contract (no cycles; the
    folders' layers; the engine's own, through the model's imports of its components): the check is live."""
    tree = lay_out_as_installed(tmp_path / "tree")
    units = tree / "polsim" / "engine" / "units.py"
    units.write_text(units.read_text() + "\nfrom polsim.model import PolicingModel  # noqa\n")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "3 broken" in done.stdout, done.stdout[-3000:]
