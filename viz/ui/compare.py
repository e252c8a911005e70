"""Compare mode: two policies on the same seed, their crime maps, the difference and headlines.

Each side is exactly one run of ``polsim compare`` (:func:`polsim.compare.runs.run_one`), and the
displacement is that command's Weighted Displacement Quotient against side A as the
baseline, so the page and the command agree number for number.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from polsim.compare.areas import AreaRule, displacement_of
from polsim.compare.runs import RunJob, RunResult, run_one
from polsim.viz.figures import crime_maps, difference_maps
from polsim.viz.ui.session import CUSTOM, Settings, load_spec_of


@dataclass
class Comparison:
    """Two runs on one seed (A is the baseline) and what the page shows of them."""

    labels: tuple[str, str]
    runs: tuple[RunResult, RunResult]
    displacement: dict[str, Any]
    rule: AreaRule

    def headlines(self) -> list[dict[str, Any]]:
        """Mean response, share within 3 minutes, crimes and WDQ, one row per side."""
        rows = []
        for label, run in zip(self.labels, self.runs, strict=True):
            rt = run.summary["response_time_min"]
            rows.append({"side": label, "mean response (min)": rt["mean"], "within 3 min": rt["within_3"],
                         "crimes": run.summary["crimes"]["total"], "WDQ vs A": None})
        rows[1]["WDQ vs A"] = self.wdq
        return rows

    @property
    def wdq(self) -> float | None:
        """B's Weighted Displacement Quotient against A (None where it is undefined)."""
        return self.displacement["per_seed"][0].get("wdq")

    @property
    def verdict(self) -> str:
        """The displacement verdict and its reason, in words."""
        d = self.displacement["per_seed"][0]
        return f"{d['verdict']}: {d['reason']}"

    def maps_figure(self) -> Figure:
        """Where crime happened under A and under B, on one colour scale."""
        return crime_maps({label: run.crimes.sum(axis=0) for label, run in zip(self.labels, self.runs, strict=True)})

    def difference_figure(self) -> Figure:
        """B minus A per cell, with B's treated cells and buffer ring outlined."""
        a, b = self.runs
        areas = self.rule.of(b)
        diff = (b.crimes.sum(axis=0) - a.crimes.sum(axis=0)).astype(float)
        return difference_maps({self.labels[1]: diff}, {self.labels[1]: (areas.treated, areas.buffer)},
                               baseline=self.labels[0])


def scenario_file(settings: Settings) -> str:
    """A scenario file ``run_one`` can load: the shipped name, or the pasted TOML saved to disk."""
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
    runs = tuple(run_one(RunJob(scenario, p, settings.seed, settings.overrides(), "numba",
                                settings.dispatch, steps)) for p in (policy_a, policy_b))
    rule = AreaRule(buffer_cells=float(spec.policy.buffer_cells))
    displacement = displacement_of([runs[1]], [runs[0]], rule)
    return Comparison((f"A: {policy_a}", f"B: {policy_b}"), runs, displacement, rule)
