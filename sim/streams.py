"""Random streams: one seed feeds a SeedSequence, and every component draws from its own child.

Separate streams keep components from shifting each other's draws: adding a dispute does not
change which crimes are reported, and both backends consume exactly the same numbers.
"""

from __future__ import annotations

import numpy as np

# new streams go at the end: the children before them keep their seeds (SeedSequence.spawn
# numbers its children in order), so adding one changes no earlier run
STREAM_NAMES = ("placement", "offenders", "births", "guardians", "incidents", "disputes", "patrol",
                "policy", "settling")


class Streams:
    """Named ``numpy.random.Generator`` children of one seed."""

    def __init__(self, seed: int | None) -> None:
        # SeedSequence takes integers >= 0 only; say so in the model's words, not numpy's
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise ValueError(f"seed must be an integer >= 0 (or None for a fresh one), got {seed!r}")
        root = np.random.SeedSequence(seed)
        self.seed = int(root.entropy)
        for name, child in zip(STREAM_NAMES, root.spawn(len(STREAM_NAMES)), strict=True):
            setattr(self, name, np.random.default_rng(child))

    def __getattr__(self, name: str) -> np.random.Generator:  # for type checkers
        raise AttributeError(f"no random stream {name!r}; streams: {', '.join(STREAM_NAMES)}")
