"""Compare mode: two policies on the same seeds, their crime maps, the difference and headlines.

Each side's runs are exactly the runs of ``polsim compare`` (:func:`polsim.runs.execute` of a
:class:`polsim.runs.Run`) on the same seeds, the headlines carry that command's intervals over
the replications (:func:`polsim.measures.vocabulary.interval_of`), and the displacement is its pooled
Weighted Displacement Quotient against side A as the baseline, so the page and the command
agree number for number.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from polsim.measures.treated_areas import AreaRule, buffer_cells_of, paired_displacement
from polsim.measures.vocabulary import flatten, interval_of, label
from polsim.reports.figures import crime_maps, difference_maps
from polsim.runs import Run, RunResult, execute
from polsim.viz.ui.session import CUSTOM, Settings, load_spec_of

HEADLINES = ("response_time_min.mean", "response_time_min.within_3", "crimes.total")
"""The summary metrics of each side shown in the panel, by their summary.json names."""
WDQ = "wdq"
"""The headline column of B's Weighted Displacement Quotient against A (None for A)."""


@dataclass
class Comparison:
    """Two policies over the same seeds (A is the baseline) and what the page shows of them.

    ``runs[side]`` holds that side's runs, one per seed, in seed order.
    """

    labels: tuple[str, str]
    runs: tuple[list[RunResult], list[RunResult]]
    displacement: dict[str, Any]
    rule: AreaRule
    confidence: float = 0.95

    @property
    def replications(self) -> int:
        """Seeds per side."""
        return len(self.runs[0])

    def headlines(self) -> list[dict[str, Any]]:
        """One row per side: ``side``, the mean of each of :data:`HEADLINES` over its runs (and
        ``<metric>.ci``, its interval as ``polsim compare`` gives it: ``(low, high)`` or None),
        and ``wdq`` (B against A, pooled over the seeds).
        """
        rows = []
        for side, runs in zip(self.labels, self.runs, strict=True):
            flat = [flatten(run.summary) for run in runs]
            row: dict[str, Any] = {"side": side, WDQ: None}
            for m in HEADLINES:
                iv = interval_of(m, [f[m] for f in flat], self.confidence)
                row[m] = iv.mean
                row[f"{m}.ci"] = None if iv.low is None else (iv.low, iv.high)
            rows.append(row)
        rows[1][WDQ] = self.wdq
        return rows

    @staticmethod
    def headline_labels() -> dict[str, str]:
        """The column titles of :meth:`headlines` (the vocabulary's labels)."""
        return {**{m: label(m) for m in HEADLINES}, WDQ: "WDQ (B vs A)"}

    @property
    def wdq(self) -> float | None:
        """B's Weighted Displacement Quotient against A, pooled over the seeds (None where undefined)."""
        pooled = self.displacement.get("pooled")
        return pooled.get("wdq") if pooled else None

    @property
    def verdict(self) -> str:
        """The displacement verdict and its reason, in words, with the control area's warnings."""
        d = self.displacement
        warnings = "".join(f" ⚠ {w}." for w in d.get("warnings", []))
        return f"{d['verdict']}: {d['reason']}{warnings}"

    def maps_figure(self) -> Figure:
        """Where crime happened under A and under B (all seeds), on one colour scale."""
        return crime_maps({side: sum(run.crimes.sum(axis=0) for run in runs)
                           for side, runs in zip(self.labels, self.runs, strict=True)})

    def difference_figure(self) -> Figure:
        """B minus A per cell (first seed), with B's treated cells and buffer ring outlined."""
        a, b = self.runs[0][0], self.runs[1][0]
        areas = self.rule.of(b.treated_share, b.passable)
        diff = (b.crimes.sum(axis=0) - a.crimes.sum(axis=0)).astype(float)
        return difference_maps({self.labels[1]: diff}, {self.labels[1]: (areas.treated, areas.buffer)},
                               baseline=self.labels[0])


def scenario_file(settings: Settings) -> str:
    """A scenario file a run can load: the shipped name, or the pasted TOML saved to disk."""
    if settings.scenario != CUSTOM:
        return settings.scenario
    folder = Path(tempfile.mkdtemp(prefix="polsim-ui-"))
    path = folder / Path(settings.toml_name).name
    path.write_text(settings.toml_text, encoding="utf-8")
    return str(path)


def compare(settings: Settings, policy_a: str, policy_b: str, days: float, replications: int = 1,
            progress: Callable[[int, int], None] | None = None) -> Comparison:
    """Run ``policy_a`` and ``policy_b`` for ``days`` on the settings' scenario, each on the seeds
    ``seed .. seed + replications - 1``; ``progress(done, total)`` is called after every run.
    """
    spec = load_spec_of(settings)  # a bad scenario fails here, before anything runs
    steps = max(1, int(round(days * 1440 / spec.time.step_minutes)))
    scenario = scenario_file(settings)
    total, runs = 2 * replications, ([], [])
    for k in range(replications):
        for side, policy in enumerate((policy_a, policy_b)):
            run = Run(scenario, policy, settings.seed + k, settings.overrides(), "numba", steps)
            runs[side].append(execute(run))
            if progress is not None:
                progress(2 * k + side + 1, total)
    rule = AreaRule(buffer_cells=buffer_cells_of(spec.policy.buffer_m, spec.city.cell_m))
    types = list(runs[1][0].summary["crimes"]["by_type"])
    pairs = [b.paired_with(a) for a, b in zip(*runs, strict=True)]
    displacement = paired_displacement(pairs, rule, types).as_dict()
    return Comparison((f"A: {policy_a}", f"B: {policy_b}"), runs, displacement, rule)
