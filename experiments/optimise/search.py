"""The search: pymoo's NSGA-II (NSGA-III from four objectives) through ask/tell, and the noise layer.

No library handles a noisy simulator, so the loop does, one generation at a time:

1. ``ask`` pymoo for the generation's new candidates (mixed integer, binary and choice
   variables, with :class:`StaffingRepair` keeping every candidate a deployment that exists);
2. run every new candidate, and every survivor with fewer than ``max_replications`` runs,
   on the generation's own fresh seeds (common random numbers: all candidates compared in
   this generation share the same draws), ``replications`` runs each; a candidate that
   breaks a deterministic constraint (officer-hours, cost) is never run;
3. score each candidate by the mean over *all* its runs, so a survivor's lucky first score
   is diluted by its later runs instead of carrying it from generation to generation;
4. ``tell`` pymoo the scores: objectives as ``F``, constraints as ``G`` (constraint
   domination: feasible before infeasible, infeasible ones by total violation; no penalty);
5. checkpoint the history (``state.json``: :mod:`polsim.experiments.optimise.checkpoint`).

A killed study resumes by replaying its recorded generations from the search seed on the runs
it kept (each generation sees only the runs on its own and earlier seeds, as it did the first
time): pymoo asks for the same candidates again, the runs are found in the cache, and the
search goes on from where it stopped. Nothing is unpickled: a study folder cannot run code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.algorithms.moo.nsga3 import NSGA3
from pymoo.core.evaluator import Evaluator as PymooEvaluator
from pymoo.core.mixed import MixedVariableDuplicateElimination, MixedVariableMating, MixedVariableSampling
from pymoo.core.population import Population
from pymoo.core.problem import Problem
from pymoo.core.repair import Repair
from pymoo.core.termination import NoTermination
from pymoo.problems.static import StaticProblem
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting
from pymoo.util.ref_dirs import get_reference_directions

from polsim.experiments.optimise.checkpoint import damaged, same_row, save_checkpoint
from polsim.experiments.optimise.evaluations import Evaluations
from polsim.experiments.optimise.space import Space
from polsim.experiments.optimise.spec import OptimiseSpec

MATING_TRIES = 10
"""Rounds of mating pymoo tries to fill a generation with candidates not seen in it (its default,
100, spends seconds in a small space whose candidates are nearly all known)."""
NSGA3_FROM = 4
"""NSGA-II's crowding distance loses its grip from four objectives on; NSGA-III's reference
directions keep the front spread (Deb & Jain 2014)."""


class StaffingRepair(Repair):
    """pymoo repair: each candidate's staffing made consistent (:meth:`Space.repair`)."""

    def __init__(self, space: Space) -> None:
        super().__init__()
        self.space = space

    def _do(self, problem, X, random_state=None, **kwargs):
        rng = random_state if random_state is not None else np.random.default_rng(0)
        for i, x in enumerate(X):
            X[i] = self.space.repair(x, rng)
        return X


def simulated_metrics(spec: OptimiseSpec) -> list[str]:
    """The metrics of the objectives and constraints that need runs."""
    names = [o.metric for o in spec.parsed_objectives if not o.deterministic]
    names += [c.metric for c in spec.parsed_constraints if not c.deterministic]
    return list(dict.fromkeys(names))


class Scorer:
    """A candidate's objectives (``F``, minimised) and constraints (``G`` <= 0) from its runs."""

    def __init__(self, spec: OptimiseSpec, space: Space, evals: Evaluations) -> None:
        self.objectives, self.constraints = spec.parsed_objectives, spec.parsed_constraints
        self.space, self.evals = space, evals

    @property
    def n_constr(self) -> int:
        """The spec's constraints plus one: the share of a candidate's runs that failed."""
        return len(self.constraints) + 1

    def runnable(self, x: dict[str, Any]) -> bool:
        """Whether every deterministic constraint holds (otherwise the candidate is never run)."""
        det = self.space.deterministic(x)
        return all(c.violation(det[c.metric]) <= 0 for c in self.constraints if c.deterministic)

    def value(self, x: dict[str, Any] | None, metric: str) -> float | None:
        """A metric's value: exact when deterministic, else the mean over the candidate's runs."""
        det = self.space.deterministic(x)
        return det[metric] if metric in det else self.evals.mean(x, metric)

    def score(self, x: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """``F`` and ``G`` rows. A candidate that was not run gets 0 for what it lacks: it is
        infeasible by a deterministic constraint, and pymoo ranks infeasible ones by violation only.
        """
        f = [o.minimised(self.value(x, o.metric)) for o in self.objectives]
        g = []
        for c in self.constraints:
            v = self.value(x, c.metric)
            g.append(0.0 if v is None else c.violation(v))
        g.append(self.evals.missing_share(x))
        return np.array(f, float), np.array(g, float)

    def natural(self, F: np.ndarray) -> np.ndarray:
        """Objective values in their own sense (maximised ones positive again)."""
        return np.asarray(F, float) * np.array([o.sign for o in self.objectives])


def make_algorithm(spec: OptimiseSpec, space: Space, scorer: Scorer):
    """NSGA-II (NSGA-III from four objectives) over the mixed variables, set up on the problem."""
    problem = Problem(vars=space.vars, n_obj=len(scorer.objectives), n_ieq_constr=scorer.n_constr)
    dup = MixedVariableDuplicateElimination()
    repair = StaffingRepair(space)
    common = {"pop_size": spec.population, "n_offsprings": spec.n_offspring, "sampling": MixedVariableSampling(),
              "mating": MixedVariableMating(eliminate_duplicates=dup, repair=repair, n_max_iterations=MATING_TRIES),
              "eliminate_duplicates": dup, "repair": repair}
    if problem.n_obj >= NSGA3_FROM:
        algorithm = NSGA3(ref_dirs=reference_directions(problem.n_obj, spec.population), **common)
    else:
        algorithm = NSGA2(**common)
    algorithm.setup(problem, termination=NoTermination(), seed=spec.search_seed, verbose=False)
    return algorithm


def reference_directions(n_obj: int, population: int) -> np.ndarray:
    """Das-Dennis directions on the simplex, as many as the population allows (at least one per objective).

    The finest lattice with no more points than the population: NSGA-III wants about one
    survivor per direction (Deb & Jain 2014). (pymoo's "energy" directions take any number but
    are an optimisation of their own: over a minute for 4 objectives on a busy machine.)
    """
    partitions = 1
    while math.comb(partitions + n_obj, n_obj - 1) <= population:
        partitions += 1
    return get_reference_directions("das-dennis", n_obj, n_partitions=partitions)


@dataclass
class SearchState:
    """Where the search stands: the next generation to run, pymoo's algorithm, the history."""

    generation: int
    algorithm: Any
    history: list[dict[str, Any]]
    spec: dict[str, Any]


def candidates(space: Space, pop: Population | None) -> list[dict[str, Any]]:
    """The population's candidates as plain dicts."""
    return [] if pop is None else [space.canonical(x) for x in pop.get("X")]


def set_scores(scorer: Scorer, problem: Problem, pop: Population) -> None:
    """Write the candidates' current scores into the population (CV and feasibility recomputed)."""
    if len(pop) == 0:
        return
    rows = [scorer.score(x) for x in candidates(scorer.space, pop)]
    F = np.array([r[0] for r in rows])
    G = np.array([r[1] for r in rows])
    PymooEvaluator(skip_already_evaluated=False).eval(StaticProblem(problem, F=F, G=G), pop)
    for ind in pop:  # pymoo caches the violation: drop it so it is computed from the new G
        ind.CV = None


def generation_requests(spec: OptimiseSpec, scorer: Scorer, off: list[dict], parents: list[dict],
                        generation: int) -> list[tuple[dict, int]]:
    """The runs of a generation: new candidates and under-sampled survivors on its shared seeds."""
    seeds, cap = spec.generation_seeds(generation), spec.survivor_cap
    # a candidate proposed again after it was dropped keeps its runs, and gets more only below the cap
    wanted = [(x, s) for x in off if scorer.runnable(x) and scorer.evals.n_runs(x) < cap for s in seeds]
    if spec.reevaluate:
        wanted += [(x, s) for x in parents if scorer.runnable(x) and scorer.evals.n_runs(x) < cap for s in seeds]
    return wanted


def front_of(algorithm) -> Population:
    """The feasible first front of the current population (empty when none is feasible)."""
    pop = algorithm.pop
    if pop is None or len(pop) == 0:
        return Population.empty()
    feasible = pop[pop.get("feas").ravel().astype(bool)]
    if len(feasible) == 0:
        return feasible
    return feasible[NonDominatedSorting().do(feasible.get("F"), only_non_dominated_front=True)]


def history_row(generation: int, scorer: Scorer, algorithm, new_runs: int, total_runs: int) -> dict[str, Any]:
    """What the report needs of a generation: its population's scores and the front size."""
    pop = algorithm.pop
    front = {scorer.space.key(x) for x in candidates(scorer.space, front_of(algorithm))}
    members = []
    for x, F, cv in zip(candidates(scorer.space, pop), pop.get("F"), pop.get("CV").ravel(), strict=True):
        key = scorer.space.key(x)
        members.append({"key": key, "objectives": scorer.natural(F).tolist(), "cv": float(cv),
                        "runs": scorer.evals.n_runs(x), "front": key in front})
    return {"generation": generation, "new_runs": new_runs, "runs": total_runs, "front_size": len(front),
            "population": members}


def run_search(spec: OptimiseSpec, space: Space, scorer: Scorer, out: Path | None,
               recorded: list[dict[str, Any]] | None = None,
               on_generation: Callable[[SearchState, dict], None] | None = None,
               on_run: Callable[[int], None] | None = None) -> SearchState:
    """Run the generations to ``spec.generations``, checkpointing each; the first ``len(recorded)``
    are replayed (their runs are in the cache) and must reach the recorded rows.
    """
    recorded = recorded or []
    state = SearchState(0, make_algorithm(spec, space, scorer), [], spec.as_dict())
    algorithm = state.algorithm
    evals = scorer.evals
    while state.generation < spec.generations:
        g = state.generation
        evals.reveal(spec.generation_seeds(g)[-1] + 1)  # what generation g saw the first time
        off = algorithm.ask()
        if off is None:  # the space is exhausted: nothing new to propose, survivors still re-run
            off = Population.empty()
            algorithm.termination.force_termination = False
        parents = algorithm.pop if algorithm.is_initialized else Population.empty()
        requests = generation_requests(spec, scorer, candidates(space, off), candidates(space, parents), g)
        before = evals.ran
        evals.ensure(requests, "search", on_run)
        set_scores(scorer, algorithm.problem, parents)
        set_scores(scorer, algorithm.problem, off)
        algorithm.tell(infills=off if len(off) else None)
        row = history_row(g, scorer, algorithm, evals.ran - before, _total_runs(evals))
        if g < len(recorded):
            if not same_row(row, recorded[g]):
                raise damaged(Path(out or ".") / "state.json", f"replaying generation {g} on the kept runs "
                              "does not reach the recorded population (parts/ changed since)")
            row = recorded[g]
        state = SearchState(g + 1, algorithm, [*state.history, row], state.spec)
        if out is not None and g >= len(recorded):
            save_checkpoint(out, state.generation, state.history)
        if on_generation is not None:
            on_generation(state, row)
    evals.reveal(None)
    return state


def _total_runs(evals: Evaluations) -> int:
    return sum(len(v) for v in evals.values.values())
