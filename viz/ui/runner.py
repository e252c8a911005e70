"""The page's model and the one lock that keeps stepping, rebuilding and drawing apart.

The play loop steps the model in a worker thread while the page's buttons act from the
server's event thread; every access to the model goes through :class:`Runner`'s lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from polsim.model import PolicingModel
from polsim.viz.ui.session import Settings, build_model

T = TypeVar("T")


class Runner:
    """Holds the model of one browser session, built from :class:`Settings`."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.lock = threading.RLock()
        self.settings = settings or Settings()
        self.model: PolicingModel = build_model(self.settings)
        self.closed = False

    def close(self) -> None:
        """Let the model go when the browser session ends (the server would keep it otherwise:
        every closed session's model, city and arrays until the server stops).
        """
        with self.lock:
            self.closed = True
            self.model = None

    def rebuild(self, settings: Settings) -> None:
        """A new model from ``settings``; on error (raised) the old model and settings stay."""
        model = build_model(settings)
        with self.lock:
            self.model, self.settings = model, settings

    def step(self, n: int = 1) -> float:
        """Advance up to ``n`` steps (stopping at the end of the run); returns the seconds taken."""
        started = time.perf_counter()
        with self.lock:
            for _ in range(n):
                if self.closed or not self.model.running:
                    break
                self.model.step()
        return time.perf_counter() - started

    def read(self, fn: Callable[[PolicingModel], T]) -> T:
        """``fn(model)`` under the lock, so that a drawing never sees a half-done step."""
        with self.lock:
            return fn(self.model)


def clock_text(model: PolicingModel) -> str:
    """'Step 90 · day 1 01:30' for the current time of ``model``."""
    minutes = model.spec.time.start_hour * 60 + model.now
    day, rest = divmod(int(minutes), 1440)
    return f"Step {model.steps} · day {day + 1} {rest // 60:02d}:{rest % 60:02d}"
