"""Siting equals brute force on small instances; the groups keep every cell's demand."""

from __future__ import annotations

import numpy as np
import pytest

from polsim.coverage.siting import (
    Problem,
    brute_force_best,
    brute_force_fewest,
    groups,
    maximal_covering,
    set_covering,
)


def random_problem(seed: int, n: int, cells: int = 400) -> Problem:
    rng = np.random.default_rng(seed)
    side = 20
    centres = rng.integers(0, side, size=(n, 2))
    rr, cc = np.divmod(np.arange(cells), side)
    radius = rng.uniform(2, 6, size=n)
    reach = [np.flatnonzero(np.hypot(rr - r, cc - c) <= rad) for (r, c), rad in zip(centres, radius, strict=True)]
    demand = rng.exponential(1.0, cells) * (rng.random(cells) < 0.7)
    return Problem(np.arange(n), reach, demand)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n,k", [(6, 2), (9, 3), (12, 4)])
def test_maximal_covering_equals_brute_force(seed, n, k):
    problem = random_problem(seed, n)
    best = brute_force_best(problem, k)
    sol = maximal_covering(problem, k)
    assert len(sol.chosen) == k
    assert sol.covered == pytest.approx(best, rel=1e-9)
    assert sol.gap == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("share", [0.3, 0.6, 0.9])
def test_set_covering_equals_brute_force(seed, share):
    problem = random_problem(seed, 10)
    reachable = problem.covered(list(range(10)))
    target = share * reachable
    sol = set_covering(problem, target)
    assert len(sol.chosen) == brute_force_fewest(problem, target)
    assert sol.covered >= target * (1 - 1e-9)


def test_a_target_beyond_every_candidate_is_refused():
    problem = random_problem(1, 5)
    with pytest.raises(ValueError, match="short of"):
        set_covering(problem, problem.covered(range(5)) * 1.01)


def test_groups_keep_every_cells_demand_once():
    problem = random_problem(3, 8)
    matrix, weight = groups(problem)
    reached = np.unique(np.concatenate(problem.reach))
    assert weight.sum() == pytest.approx(problem.demand[reached].sum())
    assert matrix.shape[1] == 8 and (matrix.toarray() <= 1).all()
