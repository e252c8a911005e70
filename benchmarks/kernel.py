"""The offender rule's rows of ``polsim bench``: the kernel alone over 1e6 offenders, and its scaling.

- ``offender_kernel``: the offender rule alone over 1e6 offenders, on every core and on one
  (target: 50 M offender-steps/s on 2 cores);
- ``scaling``: time per kernel step at 1e4, 1e5, 1e6 offenders and the log-log slope (1 = linear).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from polsim.engine.threads import numba_threads
from polsim.rules.offender import OffenderArgs


def kernel_state(n: int, side: int, seed: int = 0) -> tuple[OffenderArgs, np.ndarray]:
    """The offender rule's arguments for ``n`` offenders on a ``side`` x ``side`` city, and
    the police risk raster its walk weights come from.

    A synthetic but realistic state: attractiveness with hot cells, 5% blocked cells, police
    risk and deterrence on 2% of cells, most offenders walking and some fleeing or jailed;
    rows sorted by cell, as the model keeps them.
    """
    from polsim.rules import offender as off

    rng = np.random.default_rng(seed)
    shape = (side, side)
    passable = rng.random(shape) > 0.05
    a0 = 1.2e-4 * passable * rng.uniform(0.5, 2.0, shape)
    b = 1e-4 * (rng.random(shape) < 0.01)
    risk = (rng.random(shape) < 0.02).astype(np.float64)
    deterrence = 0.5 * risk
    capture = risk.copy()
    land_use = rng.integers(0, 6, shape).astype(np.int8)
    # rows in cell order, as the model keeps them (``Offenders.sort_by_cell``)
    cells = np.sort(rng.choice(np.flatnonzero(passable), size=n))
    r, c = (cells // side).astype(np.int64), (cells % side).astype(np.int64)
    status = rng.choice(np.array([off.WALKING, off.FLEEING, off.JAILED]), size=n,
                        p=[0.9, 0.05, 0.05]).astype(np.int64)
    timer = np.full(n, 5, np.int64)
    type_cdf = np.cumsum(np.full((7, 6), 1 / 6), axis=1)
    params = off.OffenderParams(dt=1.0, hour_factor=1.0, capture_probability=0.5, flee_steps=10, jail_steps=100,
                                flee_cells=2, remove_after_crime=False, periodic=False)
    weight = np.zeros(shape)
    off.walk_weights(weight, a0, b, 1.0, risk, RISK_AVERSION, passable)
    args = off.OffenderArgs(r=r, c=c, status=status, timer=timer, origin_r=r.copy(), origin_c=c.copy(),
                            home_r=r.copy(), home_c=c.copy(), crime=np.full(n, -1, np.int64),
                            arrested=np.zeros(n, bool), a0=a0, b=b, weight=weight, deterrence=deterrence,
                            capture=capture, passable=passable, type_label=land_use, type_cdf=type_cdf,
                            type_flees=np.ones(6, bool), draws=rng.random((n, 4)), **params._asdict())
    return args, risk


RISK_AVERSION = 1.0
"""The offenders' aversion to police risk in the kernel's state."""


def kernel_arrays(n: int, side: int, seed: int = 0) -> OffenderArgs:
    """The offender rule's arguments for ``n`` offenders on a ``side`` x ``side`` city
    (``kernel_state`` without the police risk raster).
    """
    return kernel_state(n, side, seed)[0]


def kernel_step(order: np.ndarray, args: OffenderArgs, risk: np.ndarray) -> None:
    """One offender step as the model takes it: this step's walk weights, then the loop."""
    from polsim.rules.offender import offenders_loop, prefetch_ahead, walk_weights

    walk_weights(args.weight, args.a0, args.b, args.hour_factor, risk, RISK_AVERSION, args.passable)
    offenders_loop(order, args, prefetch_ahead(order.size, risk.size))


def kernel_step_seconds(n: int, steps: int, threads: int | None = None, side: int = 1000) -> float:
    """Seconds per offender step (walk weights and the compiled loop) over ``n`` offenders on a
    ``side`` x ``side`` city, best of 3 runs (``threads``: None for every core).
    """
    args, risk = kernel_state(n, side)
    order = np.arange(n)  # rows are in cell order, as the backend visits them
    with numba_threads(threads):
        kernel_step(order, args, risk)  # compiled or loaded from cache before timing
        best = np.inf
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(steps):
                kernel_step(order, args, risk)
            best = min(best, (time.perf_counter() - t0) / steps)
    return best


def offender_kernel(quick: bool) -> dict[str, Any]:
    """Offender-steps per second of the offender rule alone, 1e6 offenders."""
    import numba

    n, steps = 1_000_000, 3 if quick else 10
    par = kernel_step_seconds(n, steps)
    ser = kernel_step_seconds(n, steps, threads=1)
    return {"offenders": n, "threads": numba.config.NUMBA_NUM_THREADS,
            "msteps_per_s": n / par / 1e6, "msteps_per_s_1thread": n / ser / 1e6}


def scaling(quick: bool) -> dict[str, Any]:
    """Time per offender step at 1e4, 1e5, 1e6 offenders and the log-log slope (1 = linear).

    The city grows with the population (one offender per cell, as in the 1e6 row): the step
    has a per-cell part (the walk weights) and a per-offender part, and both must grow
    linearly. On a fixed city the per-cell part would make small populations look slow.
    """
    sizes = [10_000, 100_000, 1_000_000]
    secs = [kernel_step_seconds(n, max(3, (200 if not quick else 50) * 10_000 // n),
                                side=int(round(np.sqrt(n)))) for n in sizes]
    slope = float(np.polyfit(np.log(sizes), np.log(secs), 1)[0])
    return {"offenders": sizes, "cells": [int(round(np.sqrt(n))) ** 2 for n in sizes],
            "s_per_step": secs, "slope": slope}
