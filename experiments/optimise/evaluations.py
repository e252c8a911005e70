"""Every run of a study, by candidate and seed: the cache, and its record on disk.

A run is identified by (candidate, seed), so nothing is ever run twice: a candidate that the
search proposes again, a survivor asked for a seed it already has, or a study resumed after
a kill all find their runs here. Each finished run is kept as its own part file as soon as
it comes back (:func:`polsim.experiments.optimise.evaluate.write_row`), with the candidate's
id, its decision values (JSON) and the stage (``search``, ``final``) beside the summary.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from polsim.experiments.optimise.evaluate import Evaluator, Row, Run, iter_rows, write_row
from polsim.experiments.optimise.space import Space

SHIPPED = "shipped"
"""The candidate id of the scenario's own deployment."""

Request = tuple[dict[str, Any] | None, int]
"""(candidate, seed); candidate ``None`` is the shipped deployment."""


def run_id(key: str, seed: int) -> str:
    """Part-file name of the run of candidate ``key`` on ``seed``."""
    return f"{key}-s{seed:06d}"


class Evaluations:
    """The runs of a study: cached by (candidate, seed), kept on disk, run in batches."""

    def __init__(self, space: Space, evaluator: Evaluator, metrics: Sequence[str], out: Path | None = None) -> None:
        self.space, self.evaluator, self.metrics, self.out = space, evaluator, list(metrics), out
        self.values: dict[str, dict[int, dict[str, float | None]]] = {}
        self.decisions: dict[str, dict[str, Any] | None] = {}
        self.ran = 0
        """Runs done by this process (not read back from disk)."""
        self.batch_seconds = 0.0
        """Wall time spent waiting for batches of runs."""
        if out is not None:
            for row in iter_rows(out):
                self._keep(row["candidate"], int(row["seed"]), row)
                self.decisions.setdefault(row["candidate"], json.loads(row["decision"]))

    def key(self, x: dict[str, Any] | None) -> str:
        """The candidate's id (``shipped`` for the scenario's own deployment)."""
        return SHIPPED if x is None else self.space.key(x)

    def has(self, x: dict[str, Any] | None, seed: int) -> bool:
        """Whether the run of ``x`` on ``seed`` is done."""
        return seed in self.values.get(self.key(x), {})

    def ensure(self, requests: Sequence[Request], stage: str,
               progress: Callable[[int], None] | None = None) -> int:
        """Run every requested (candidate, seed) not yet done, as one batch; returns how many ran."""
        todo: dict[str, tuple[Run, dict[str, Any] | None]] = {}
        for x, seed in requests:
            key = self.key(x)
            if seed in self.values.get(key, {}) or run_id(key, seed) in todo:
                continue
            x = None if x is None else self.space.canonical(x)
            run = Run(run_id(key, seed), seed, self.space.policy(x),
                      self.space.overrides(x) if x is not None else self.space.spec.base_overrides())
            todo[run.run_id] = (run, x)
        if not todo:
            return 0

        def done(run: Run, row: Row) -> None:
            key, x = run.run_id.rsplit("-s", 1)[0], todo[run.run_id][1]
            row = {**row, "run_id": run.run_id, "candidate": key, "seed": run.seed, "stage": stage,
                   "policy": run.policy, "decision": json.dumps(x, sort_keys=True)}
            if self.out is not None:
                write_row(self.out, row)
            self._keep(key, run.seed, row)
            self.decisions.setdefault(key, x)
            self.ran += 1
            if progress is not None:
                progress(1)

        started = time.perf_counter()
        self.evaluator.run([run for run, _ in todo.values()], done)
        self.batch_seconds += time.perf_counter() - started
        return len(todo)

    def _keep(self, key: str, seed: int, row: Row) -> None:
        ok = row.get("status", "ok") == "ok"
        self.values.setdefault(key, {})[seed] = {m: _number(row.get(m)) if ok else None for m in self.metrics}

    def n_runs(self, x: dict[str, Any] | None) -> int:
        """How many runs the candidate has."""
        return len(self.values.get(self.key(x), {}))

    def samples(self, x: dict[str, Any] | None, metric: str, seeds: Sequence[int] | None = None) -> list[float | None]:
        """The candidate's values of ``metric``, one per run (on ``seeds``, in that order, if given)."""
        runs = self.values.get(self.key(x), {})
        chosen = sorted(runs) if seeds is None else list(seeds)
        return [runs[s][metric] if s in runs else None for s in chosen]

    def mean(self, x: dict[str, Any] | None, metric: str) -> float | None:
        """Mean over every run of the candidate (missing values left out)."""
        values = [v for v in self.samples(x, metric) if v is not None]
        return sum(values) / len(values) if values else None

    def missing_share(self, x: dict[str, Any] | None) -> float:
        """Share of the candidate's runs that failed or lack a metric (0 when it has no runs)."""
        runs = self.values.get(self.key(x), {})
        if not runs:
            return 0.0
        bad = sum(any(v is None for v in r.values()) for r in runs.values())
        return bad / len(runs)


def _number(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
