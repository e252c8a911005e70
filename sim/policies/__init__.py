"""Deployment policies: a registry of built-ins, and loading a user's own by dotted path."""

from __future__ import annotations

import importlib

from sim.policies.base import PatrolAreas, Policy, RandomPatrol

POLICIES: dict[str, type[Policy]] = {"random": RandomPatrol}
"""Built-in policies by name."""


def make_policy(name: str | Policy, dispatch: str | None = None) -> Policy:
    """A policy instance from a built-in name or ``package.module:ClassName``."""
    if isinstance(name, Policy):
        return name
    if name in POLICIES:
        return POLICIES[name](dispatch=dispatch)
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as err:
            raise ValueError(f"policy {name!r} cannot be loaded: {err}") from None
        if not (isinstance(cls, type) and issubclass(cls, Policy)):
            raise ValueError(f"policy {name!r} is not a sim.policies.Policy subclass")
        return cls(dispatch=dispatch)
    allowed = ", ".join(sorted(POLICIES))
    raise ValueError(f"unknown policy {name!r}; allowed: {allowed}, or package.module:Class")


__all__ = ["POLICIES", "PatrolAreas", "Policy", "RandomPatrol", "make_policy"]
