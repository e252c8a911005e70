"""How many threads Numba's parallel kernels use: the one place that pins them.

A run's results do not depend on the thread count. Where runs are already parallel across
processes (sweep workers) or the lattice is small (validation), the kernels run on one
thread: oversubscribed, their threads wait for each other at every step, and a run in a sweep
worker or a validation step takes many times longer (docs/performance.md has the figures).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def numba_threads(count: int | None = 1) -> Iterator[None]:
    """Numba's parallel kernels use ``count`` threads (None: all) inside the block, in the calling thread.

    Numba keeps the count per calling thread; the previous count is restored on leaving.
    """
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(count or numba.config.NUMBA_NUM_THREADS)
    try:
        yield
    finally:
        numba.set_num_threads(before)
