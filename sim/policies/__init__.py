"""Deployment policies: a registry of built-ins, and loading a user's own by dotted path."""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType

from polsim.policies.base import PatrolAreas, Policy, RandomPatrol
from polsim.policies.beat import BeatPatrol
from polsim.policies.combined import Combined
from polsim.policies.cordon import Cordon
from polsim.policies.fixed_posts import FixedPosts
from polsim.policies.grid_fusion import GridFusion
from polsim.policies.hotspot import HotspotPatrol
from polsim.policies.layered import LayeredZones
from polsim.policies.motorcycle_rapid import MotorcycleRapid

POLICIES: dict[str, type[Policy]] = {
    cls.name: cls for cls in (RandomPatrol, FixedPosts, BeatPatrol, HotspotPatrol, LayeredZones,
                              GridFusion, MotorcycleRapid, Cordon)
}
"""Built-in policies by name."""


def make_policy(name: str | Policy, dispatch: str | None = None) -> Policy:
    """A policy instance from a built-in name, ``package.module:ClassName``, or ``a+b`` of those."""
    if isinstance(name, Policy):
        return name
    if "+" in name:
        return Combined([make_policy(part.strip(), dispatch) for part in name.split("+")], dispatch)
    if name in POLICIES:
        return POLICIES[name](dispatch=dispatch)
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            cls = getattr(import_user_module(module), attr)
        except (ImportError, AttributeError, SyntaxError) as err:
            raise ValueError(f"policy {name!r} cannot be loaded: {err}") from None
        if not (isinstance(cls, type) and issubclass(cls, Policy)):
            raise ValueError(f"policy {name!r} is not a polsim.policies.Policy subclass")
        return cls(dispatch=dispatch)
    allowed = ", ".join(sorted(POLICIES))
    raise ValueError(f"unknown policy {name!r}; allowed: {allowed}, a+b, or package.module:Class")


def import_user_module(module: str) -> ModuleType:
    """Import a user's policy module, finding it in the working directory as ``python -m`` would.

    ``python -m sim`` puts the working directory first on ``sys.path``, but the installed
    ``polsim`` script starts with its own folder (the environment's ``bin``) there instead,
    so ``--policy mypkg.mod:Class`` with ``mypkg/`` in the project folder was not found. The
    working directory goes first on the path (once; spawned ``compare`` workers inherit it),
    then the module is imported; an installed package of that name loads as before.
    """
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
        importlib.invalidate_caches()
    return importlib.import_module(module)


__all__ = ["POLICIES", "BeatPatrol", "Combined", "Cordon", "FixedPosts", "GridFusion", "HotspotPatrol",
           "LayeredZones", "MotorcycleRapid", "PatrolAreas", "Policy", "RandomPatrol", "import_user_module",
           "make_policy"]
