"""Compare mode: two policies on the same seed, their crime maps, the difference and headlines.

Each side is exactly one run of ``polsim compare`` (:func:`polsim.runs.execute` of a
:class:`polsim.runs.Run`), and the displacement is that command's Weighted Displacement
Quotient against side A as the baseline, so the page and the command agree number for number.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from polsim.runs import Run, RunResult, execute
from polsim.treated_areas import AreaRule, buffer_cells_of, paired_displacement
from polsim.viz.figures import crime_maps, difference_maps
from polsim.viz.ui.session import CUSTOM, Settings, load_spec_of
from polsim.vocabulary import flatten, label

HEADLINES = ("response_time_min.mean", "response_time_min.within_3", "crimes.total")
"""The summary metrics of each side shown in the panel, by their summary.json names."""
WDQ = "wdq"
"""The headline column of B's Weighted Displacement Quotient against A (None for A)."""


@dataclass
class Comparison:
    """Two runs on one seed (A is the baseline) and what the page shows of them."""

    labels: tuple[str, str]
    runs: tuple[RunResult, RunResult]
    displacement: dict[str, Any]
    rule: AreaRule

    def headlines(self) -> list[dict[str, Any]]:
        """One row per side: ``side``, each of :data:`HEADLINES`, and ``wdq`` (B against A)."""
        rows = []
        for side, run in zip(self.labels, self.runs, strict=True):
            flat = flatten(run.summary)
            rows.append({"side": side, **{m: flat[m] for m in HEADLINES}, WDQ: None})
        rows[1][WDQ] = self.wdq
        return rows

    @staticmethod
    def headline_labels() -> dict[str, str]:
        """The column titles of :meth:`headlines` (the vocabulary's labels)."""
        return {**{m: label(m) for m in HEADLINES}, WDQ: "WDQ (B vs A)"}

    @property
    def wdq(self) -> float | None:
        """B's Weighted Displacement Quotient against A (None where it is undefined)."""
        return self.displacement["per_seed"][0].get("wdq")

    @property
    def verdict(self) -> str:
        """The displacement verdict and its reason, in words."""
        d = self.displacement["per_seed"][0]
        warnings = "".join(f" ⚠ {w}." for w in d.get("warnings", []))
        return f"{d['verdict']}: {d['reason']}{warnings}"

    def maps_figure(self) -> Figure:
        """Where crime happened under A and under B, on one colour scale."""
        return crime_maps({side: run.crimes.sum(axis=0) for side, run in zip(self.labels, self.runs, strict=True)})

    def difference_figure(self) -> Figure:
        """B minus A per cell, with B's treated cells and buffer ring outlined."""
        a, b = self.runs
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


def compare(settings: Settings, policy_a: str, policy_b: str, days: float) -> Comparison:
    """Run ``policy_a`` and ``policy_b`` for ``days`` on the settings' scenario and seed."""
    spec = load_spec_of(settings)  # a bad scenario fails here, before anything runs
    steps = max(1, int(round(days * 1440 / spec.time.step_minutes)))
    scenario = scenario_file(settings)
    runs = tuple(execute(Run(scenario, p, settings.seed, settings.overrides(), "numba", settings.dispatch, steps))
                 for p in (policy_a, policy_b))
    rule = AreaRule(buffer_cells=buffer_cells_of(spec.policy.buffer_m, spec.city.cell_m))
    types = list(runs[1].summary["crimes"]["by_type"])
    displacement = paired_displacement([runs[1].paired_with(runs[0])], rule, types).as_dict()
    return Comparison((f"A: {policy_a}", f"B: {policy_b}"), runs, displacement, rule)
