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
from polsim.policies.view import PolicyView

POLICIES: dict[str, type[Policy]] = {
    cls.name: cls for cls in (RandomPatrol, FixedPosts, BeatPatrol, HotspotPatrol, LayeredZones,
                              GridFusion, MotorcycleRapid, Cordon)
}
"""Built-in policies by name."""


def make_policy(name: str | Policy) -> Policy:
    """A policy instance from a built-in name, ``package.module:ClassName``, or ``a+b`` of those.

    Anything wrong with a user's policy (no such module, a module that fails or exits while it
    loads, a class that is not a policy or cannot be built without arguments) is one
    ``ValueError`` line naming the policy, never the user module's own traceback.
    """
    if isinstance(name, Policy):
        return name
    if "+" in name:
        parts = [part.strip() for part in name.split("+")]
        twice = sorted({p for p in parts if p and parts.count(p) > 1})  # an empty part is unknown, below
        if twice:
            raise ValueError(f"policy {name!r} names {twice[0]} twice; a combined policy takes each part once")
        return Combined([make_policy(part) for part in parts])
    if name in POLICIES:
        return POLICIES[name]()
    if ":" in name:
        cls = policy_class(name)
        try:
            return cls()
        except Exception as err:  # a user's constructor can fail in any way
            raise ValueError(f"policy {name!r} cannot be built without arguments: {_one_line(err)}") from None
    allowed = ", ".join(sorted(POLICIES))
    raise ValueError(f"unknown policy {name!r}; allowed: {allowed}, a+b, or package.module:Class")


def policy_class(name: str) -> type[Policy]:
    """The class a ``package.module:Class`` policy names, imported (see :func:`import_user_module`)."""
    module, _, attr = name.partition(":")
    if not module or not attr or module.startswith("."):
        raise ValueError(f"policy {name!r}: must be package.module:Class")
    if not_a_policy_module(module):
        raise ValueError(f"policy {name!r}: {module} is polsim's command line, not a policy module")
    try:
        cls = getattr(import_user_module(module), attr)
    except (Exception, SystemExit) as err:  # a user's module can fail, or exit, in any way
        raise ValueError(f"policy {name!r} cannot be loaded: {_one_line(err)}") from None
    if not (isinstance(cls, type) and issubclass(cls, Policy)):
        raise ValueError(f"policy {name!r} is not a polsim.policies.Policy subclass")
    return cls


def not_a_policy_module(module: str) -> bool:
    """Modules that run a program when imported: any ``__main__``, and polsim's command line
    (``--policy polsim.__main__:X`` ran polsim inside itself).
    """
    return "__main__" in module.split(".") or module == "polsim.cli" or module.startswith("polsim.cli.")


def custom_modules(name: str) -> list[str]:
    """The modules of the ``package.module:Class`` parts of a policy name (``a+b`` included)."""
    return [part.strip().partition(":")[0] for part in name.split("+") if ":" in part]


def _one_line(err: BaseException) -> str:
    text = (str(err).splitlines() or [""])[0]
    if isinstance(err, SystemExit):
        return f"it exits while loading (SystemExit {err.code!r})"
    if isinstance(err, ModuleNotFoundError):
        return text  # "No module named 'x'"
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


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
           "LayeredZones", "MotorcycleRapid", "PatrolAreas", "Policy", "PolicyView", "RandomPatrol", "custom_modules",
           "import_user_module", "make_policy", "not_a_policy_module", "policy_class"]
