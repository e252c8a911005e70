"""Shared fixtures: small scenarios that run in a second or two."""

from __future__ import annotations

import pytest

from polsim import PolicingModel

SMALL = {
    "city.rows": 30,
    "city.cols": 30,
    "offenders.count": 150,
    "guardians.volunteers": 60,
    "time.days": 0.25,
    "field.a0_per_min": 8e-4,
    "time.start_hour": 10,
}
"""A 3 x 3 km city, six simulated hours, busy enough to have crimes, calls and arrests."""


def small_model(seed: int = 1, backend: str = "numba", policy: str = "random", **overrides) -> PolicingModel:
    """The default scenario shrunk by ``SMALL`` plus any ``overrides`` (dotted keys as kwargs dict)."""
    return PolicingModel("default", policy=policy, backend=backend, seed=seed,
                         overrides={**SMALL, **overrides.pop("extra", {}), **overrides})


@pytest.fixture
def small():
    """Factory for small models."""
    return small_model
