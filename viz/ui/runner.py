"""The page's model and the one lock that keeps stepping, rebuilding and drawing apart.

The play loop steps the model in a worker thread while the page's buttons act from the
server's event thread; every access to the model goes through :class:`Runner`'s lock.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

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


def model_identity(model: PolicingModel) -> dict[str, Any]:
    """What the model on the page IS, read from the model itself (not from the page's controls).

    Scenario, policy, seed, dispatch rule, the units of each type and offenders it was built
    with, its step, and ``state``: a digest of where every offender and unit stands, so that a
    test can tell this model from one built with other settings by stepping both.
    """
    u, o = model.units, model.offenders
    counts = np.bincount(u.type_idx, minlength=len(u.type_names)) if len(u) else np.zeros(len(u.type_names), int)
    where = hashlib.sha1()
    for column in (o.r, o.c, o.status, u.r, u.c, u.state):
        where.update(np.ascontiguousarray(column).tobytes())
    return {"scenario": model.spec.name, "policy": getattr(model.policy, "label", model.policy.name),
            "seed": int(model.seed), "dispatch": model.spec.dispatch.rule,
            "units": {name: int(n) for name, n in zip(u.type_names, counts.tolist(), strict=True)},
            "offenders": int(model.spec.offenders.count), "steps": int(model.steps), "state": where.hexdigest()}
