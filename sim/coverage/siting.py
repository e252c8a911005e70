"""Where to put the next sites: the maximal covering and the set covering problems.

Each candidate site reaches a set of cells within the band (one bounded search from it,
:func:`polsim.coverage.fields.reach_of_site`). Demand already covered by the deployment
counts for nothing; the rest is grouped by the set of candidates that reach it (cells that
the same candidates cover are one row of the problem, which keeps it small), and HiGHS
(``scipy.optimize.milp``) solves it as a mixed-integer program:

- **maximal covering** (MCLP, Church and ReVelle 1974): choose ``k`` sites, maximise the
  demand they newly cover; ``x_j`` binary (site chosen), ``y_g`` in [0, 1] (group covered),
  ``y_g <= sum of x_j over the candidates reaching g``, ``sum x_j = k``.
- **set covering** (partial LSCP): the fewest sites such that the covered demand reaches a
  share of the city's total.

The solver's own optimality gap (``mip_gap``: the distance from its best bound) is reported.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

TIME_LIMIT_S = 300.0
"""The most seconds HiGHS may search; past it the best sites found are kept, with their gap."""


@dataclass(frozen=True)
class Problem:
    """Candidate sites, the cells each reaches within the band, and the demand still uncovered."""

    candidates: np.ndarray
    """Flat cells of the candidate sites."""
    reach: list[np.ndarray]
    """For each candidate, the flat cells it reaches within the band."""
    demand: np.ndarray
    """Flat: each cell's demand not covered by the deployment (0 where it already is)."""

    def covered(self, chosen) -> float:
        """The demand that the ``chosen`` candidates (indices) newly cover together."""
        cells = np.unique(np.concatenate([self.reach[j] for j in chosen])) if len(chosen) else np.zeros(0, int)
        return float(self.demand[cells].sum())


@dataclass(frozen=True)
class Solution:
    """The chosen candidates (indices into the problem's), the demand they cover, the solver's
    objective bound and relative gap (0: proven optimal), and its status message.
    """

    chosen: np.ndarray
    covered: float
    gap: float
    bound: float
    message: str


def groups(problem: Problem) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The demand grouped by which candidates reach it: a (groups x candidates) 0/1 matrix and
    each group's demand. Cells of no demand or in no candidate's reach are left out.
    """
    n = len(problem.candidates)
    sizes = np.array([len(r) for r in problem.reach], np.int64)
    cells = np.concatenate(problem.reach) if n else np.zeros(0, np.int64)
    site = np.repeat(np.arange(n), sizes)
    keep = problem.demand[cells] > 0
    cells, site = cells[keep], site[keep]
    # a cell's signature: two independent random 64-bit sums over the candidates reaching it
    rng = np.random.default_rng(0x5171)
    keys = rng.integers(0, 2**63, size=(2, n), dtype=np.int64).astype(np.uint64)
    uniq_cells, cell_row = np.unique(cells, return_inverse=True)
    sig = np.zeros((uniq_cells.size, 2), np.uint64)
    for k in range(2):
        np.add.at(sig[:, k], cell_row, keys[k, site])
    _, group_of_cell = np.unique(sig, axis=0, return_inverse=True)
    group_of_cell = group_of_cell.ravel()
    n_groups = int(group_of_cell.max()) + 1 if group_of_cell.size else 0
    weight = np.bincount(group_of_cell, problem.demand[uniq_cells], n_groups)
    first = np.full(n_groups, -1, np.int64)
    first[group_of_cell[::-1]] = np.arange(group_of_cell.size)[::-1]  # a representative cell per group
    pick = np.isin(cell_row, first)
    rows = group_of_cell[cell_row[pick]]
    matrix = sparse.csr_matrix((np.ones(rows.size), (rows, site[pick])), shape=(n_groups, n))
    matrix.sum_duplicates()
    return matrix, weight


def maximal_covering(problem: Problem, k: int, time_limit_s: float = TIME_LIMIT_S) -> Solution:
    """The ``k`` candidates that newly cover the most demand (MCLP)."""
    matrix, weight = groups(problem)
    n, g = matrix.shape[1], matrix.shape[0]
    c = np.concatenate([np.zeros(n), -weight])
    link = sparse.hstack([-matrix, sparse.identity(g)], format="csr")  # y_g - sum x_j <= 0
    count = sparse.csr_matrix(np.concatenate([np.ones(n), np.zeros(g)])[None, :])
    res = milp(c, integrality=np.concatenate([np.ones(n), np.zeros(g)]),
               bounds=Bounds(np.zeros(n + g), np.ones(n + g)),
               constraints=[LinearConstraint(link, -np.inf, 0.0), LinearConstraint(count, k, k)],
               options={"time_limit": time_limit_s, "mip_rel_gap": 0.0})
    return _solution(problem, res, n, -1.0)


def set_covering(problem: Problem, target: float, time_limit_s: float = TIME_LIMIT_S) -> Solution:
    """The fewest candidates whose new coverage reaches ``target`` demand (partial LSCP);
    a target beyond what all candidates together cover is a ``ValueError``.
    """
    matrix, weight = groups(problem)
    n, g = matrix.shape[1], matrix.shape[0]
    if target <= 0:
        return Solution(np.zeros(0, np.int64), 0.0, 0.0, 0.0, "nothing to add")
    if weight.sum() < target * (1 - 1e-12):
        raise ValueError(f"all {n} candidates together cover {weight.sum():.6g}, short of {target:.6g}")
    c = np.concatenate([np.ones(n), np.zeros(g)])
    link = sparse.hstack([-matrix, sparse.identity(g)], format="csr")
    need = sparse.csr_matrix(np.concatenate([np.zeros(n), weight])[None, :])
    res = milp(c, integrality=np.concatenate([np.ones(n), np.zeros(g)]),
               bounds=Bounds(np.zeros(n + g), np.ones(n + g)),
               constraints=[LinearConstraint(link, -np.inf, 0.0),
                            LinearConstraint(need, target * (1 - 1e-9), np.inf)],
               options={"time_limit": time_limit_s, "mip_rel_gap": 0.0})
    return _solution(problem, res, n, 1.0)


def _solution(problem: Problem, res, n: int, sign: float) -> Solution:
    if res.x is None:
        raise ValueError(f"the solver found no solution: {res.message}")
    chosen = np.flatnonzero(res.x[:n] > 0.5)
    gap = float(getattr(res, "mip_gap", np.nan) or 0.0)
    bound = float(sign * getattr(res, "mip_dual_bound", np.nan))
    return Solution(chosen, problem.covered(chosen), gap, bound, str(res.message))


def brute_force_best(problem: Problem, k: int) -> float:
    """The most demand any ``k`` candidates newly cover, by trying every set (small problems only)."""
    return max(problem.covered(list(s)) for s in itertools.combinations(range(len(problem.candidates)), k))


def brute_force_fewest(problem: Problem, target: float) -> int:
    """The fewest candidates reaching ``target`` demand, by trying every set (small problems only)."""
    for k in range(len(problem.candidates) + 1):
        if any(problem.covered(list(s)) >= target * (1 - 1e-9)
               for s in itertools.combinations(range(len(problem.candidates)), k)):
            return k
    raise ValueError("no set of candidates reaches the target")
