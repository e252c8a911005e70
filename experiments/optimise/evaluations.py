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

import numpy as np

from polsim.experiments.optimise.evaluate import Evaluator, Row, Trial, iter_rows, write_row
from polsim.experiments.optimise.space import Space

SHIPPED = "shipped"
"""The candidate id of the scenario's own deployment."""

Request = tuple[dict[str, Any] | None, int]
"""(candidate, seed); candidate ``None`` is the shipped deployment."""


def run_id(key: str, seed: int) -> str:
    """Part-file name of the run of candidate ``key`` on ``seed``."""
    return f"{key}-s{seed:06d}"


def read_kept(out: Path) -> list[Row]:
    """Every run kept in ``out/parts``; a part that cannot be read is the one-line error."""
    from polsim.experiments.optimise.checkpoint import damaged

    try:
        return list(iter_rows(out))
    except (OSError, ValueError, KeyError, TypeError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise damaged(Path(out) / "parts", f"a part file cannot be read ({type(err).__name__})") from None


class Evaluations:
    """The runs of a study: cached by (candidate, seed), kept on disk, run in batches."""

    def __init__(self, space: Space, evaluator: Evaluator, metrics: Sequence[str], out: Path | None = None) -> None:
        self.space, self.evaluator, self.metrics, self.out = space, evaluator, list(metrics), out
        self.values: dict[str, dict[int, dict[str, float | None]]] = {}
        self.decisions: dict[str, dict[str, Any] | None] = {}
        self._fits: dict[str, dict[str, float]] = {}
        self.ran = 0
        """Runs done by this process (not read back from disk)."""
        self.read_back = 0
        """Runs read back from disk (done before a resume)."""
        self.batch_seconds = 0.0
        """Wall time spent waiting for batches of runs."""
        self._hidden: dict[str, dict[int, dict[str, float | None]]] = {}
        """Runs read back from disk that the search has not reached yet (see :meth:`reveal`)."""
        if out is not None:
            self._read(Path(out))

    def _read(self, out: Path) -> None:
        """The kept runs, hidden until :meth:`reveal`; a damaged part or row is the one-line error."""
        from polsim.experiments.optimise.checkpoint import damaged

        rows = read_kept(out)
        for row in rows:
            try:
                key, seed = str(row["candidate"]), int(row["seed"])
                decision = json.loads(row["decision"]) if row["decision"] is not None else None
            except (KeyError, TypeError, ValueError):
                raise damaged(out / "parts", f"run {row.get('run_id')!r} is not a row polsim optimise "
                              "wrote") from None
            self._keep(key, seed, row)
            self.decisions.setdefault(key, decision)
        self._hidden, self.values = self.values, {}
        self.read_back = len(rows)

    def reveal(self, below: int | None) -> None:
        """Make the kept runs on seeds ``< below`` (``None``: all) count, as they did when they ran.

        A resumed study replays its generations: generation ``g`` must see the runs on the seeds of
        generations ``0..g`` only, not the later runs of the same candidates.
        """
        moved = False
        for key in list(self._hidden):
            runs = self._hidden[key]
            for seed in [s for s in runs if below is None or s < below]:
                self.values.setdefault(key, {})[seed] = runs.pop(seed)
                moved = True
            if not runs:
                del self._hidden[key]
        if moved:
            self._fits.clear()

    def key(self, x: dict[str, Any] | None) -> str:
        """The candidate's id (``shipped`` for the scenario's own deployment)."""
        return SHIPPED if x is None else self.space.key(x)

    def ensure(self, requests: Sequence[Request], stage: str,
               progress: Callable[[int], None] | None = None) -> int:
        """Run every requested (candidate, seed) not yet done, as one batch; returns how many ran."""
        todo: dict[str, tuple[Trial, dict[str, Any] | None]] = {}
        for x, seed in requests:
            key = self.key(x)
            if seed in self._hidden.get(key, {}):  # kept on disk, not yet reached by a replay: count it now
                self.values.setdefault(key, {})[seed] = self._hidden[key].pop(seed)
                self._fits.clear()
            if seed in self.values.get(key, {}) or run_id(key, seed) in todo:
                continue
            x = None if x is None else self.space.canonical(x)
            run = Trial(run_id(key, seed), seed, self.space.policy(x),
                      self.space.overrides(x) if x is not None else self.space.spec.base_overrides())
            todo[run.run_id] = (run, x)
        if not todo:
            return 0

        def done(run: Trial, row: Row) -> None:
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
        self._fits.clear()
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
        """The candidate's score: the mean over all its runs, each corrected for its seed's shared luck.

        See :func:`seed_adjusted_means`; candidates run on the same seeds are compared exactly as
        by their plain means, and candidates with different seeds fairly.
        """
        if metric not in self._fits:
            self._fits[metric] = seed_adjusted_means(self.values, metric)
        return self._fits[metric].get(self.key(x))

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


def seed_adjusted_means(values: dict[str, dict[int, dict[str, float | None]]], metric: str,
                        tolerance: float = 1e-10, max_sweeps: int = 500) -> dict[str, float]:
    """Candidate effects of ``metric`` in the additive model ``run = candidate + seed + noise``.

    Every candidate of a generation runs on that generation's seeds (common random numbers),
    and a seed's draws make all its runs better or worse together: a quiet day, a far call.
    Survivors carry runs from earlier generations, so two candidates compared in one
    generation do not have the same seeds, and their plain means would compare the luck of
    different seeds as much as the deployments. Seeds are therefore treated as blocks: the
    seed effects are estimated from every candidate that ran on them, and each candidate's
    score is the mean of its runs minus its seeds' effects (least squares of the two-way
    model, by alternating means until it settles; seed effects sum to zero). Candidates that
    share all their seeds keep the ordering and differences of their plain means.
    """
    # in a fixed order, so that a study read back from disk sums exactly as the one that ran
    obs = [(key, seed, values[key][seed][metric]) for key in sorted(values) for seed in sorted(values[key])
           if values[key][seed].get(metric) is not None]
    if not obs:
        return {}
    keys = sorted({o[0] for o in obs})
    seeds = sorted({o[1] for o in obs})
    k_index = {k: i for i, k in enumerate(keys)}
    s_index = {s: i for i, s in enumerate(seeds)}
    c = np.array([k_index[o[0]] for o in obs])
    s = np.array([s_index[o[1]] for o in obs])
    y = np.array([o[2] for o in obs], float)
    n_c = np.bincount(c, minlength=len(keys))
    n_s = np.bincount(s, minlength=len(seeds))
    mu = np.bincount(c, y, len(keys)) / n_c
    beta = np.zeros(len(seeds))
    for _ in range(max_sweeps):
        beta = np.bincount(s, y - mu[c], len(seeds)) / n_s
        beta -= beta.mean()
        new_mu = np.bincount(c, y - beta[s], len(keys)) / n_c
        done = np.max(np.abs(new_mu - mu)) < tolerance
        mu = new_mu
        if done:
            break
    return {k: float(mu[i]) for k, i in k_index.items()}
