"""Random streams: one seed feeds a SeedSequence, and every component draws from its own child.

Separate streams keep components from shifting each other's draws: adding a dispute does not
change which crimes are reported, and both backends consume exactly the same numbers.
"""

from __future__ import annotations

import numpy as np

# new streams go at the end: the children before them keep their seeds (SeedSequence.spawn
# numbers its children in order), so adding one changes no earlier run
STREAM_NAMES = ("placement", "offenders", "births", "guardians", "incidents", "disputes", "patrol",
                "policy", "calls", "settling")
"""The streams, in the order of their seeds' children (a new one goes last: the others keep theirs)."""


class Streams:
    """Named ``numpy.random.Generator`` children of one seed."""

    def __init__(self, seed: int | None) -> None:
        # SeedSequence takes integers >= 0 only; say so in the model's words, not numpy's
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise ValueError(f"seed must be an integer >= 0 (or None for a fresh one), got {seed!r}")
        root = np.random.SeedSequence(seed)
        self.seed = int(root.entropy)
        self._buffers: dict[str, np.ndarray] = {}
        for name, child in zip(STREAM_NAMES, root.spawn(len(STREAM_NAMES)), strict=True):
            setattr(self, name, np.random.default_rng(child))

    def uniforms(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Uniforms from stream ``name``, written into a buffer kept from the last call of that
        stream (the same numbers as a fresh array, without allocating one every step; the values
        are overwritten by the next call).
        """
        buf = self._buffers.get(name)
        if buf is None or buf.shape != shape:
            buf = self._buffers[name] = np.empty(shape)
        return getattr(self, name).random(out=buf)

    def __getattr__(self, name: str) -> np.random.Generator:  # for type checkers
        raise AttributeError(f"no random stream {name!r}; streams: {', '.join(STREAM_NAMES)}")
