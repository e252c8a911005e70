"""A real policy that fails on one seed, for the sweep tests: a failing run must not stop a sweep."""

from __future__ import annotations

from polsim.policies.base import RandomPatrol


class FailsOnSeed2(RandomPatrol):
    """Random patrol, except that setting up a model with seed 2 raises."""

    name = "fails_on_seed_2"

    def setup(self, model) -> None:
        """Refuse seed 2; otherwise random patrol."""
        if model.seed == 2:
            raise RuntimeError("this policy refuses seed 2")
        super().setup(model)
