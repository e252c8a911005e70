"""Run validation models on one Numba thread.

The engine's field update and loops use Numba's parallel thread pool; on a small lattice
or a loaded machine the pool's synchronisation costs more than the work (measured: 17 ms
a step with the pool against 1.2 ms on one thread on a busy 2-core machine). Results do
not depend on the thread count.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numba


@contextmanager
def one_thread() -> Iterator[None]:
    """Numba runs on one thread inside the block; the previous count is restored after."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)
