"""Field experiments of policing re-enacted in the model: hot spots and patrol levels.

Two classic randomised experiments, run on the model's own crime, so that the size of the
policy effects it predicts can be read against what the field measured:

- **Minneapolis hot spots** (Sherman and Weisburd 1995, *Justice Quarterly* 12(4)): the
  ``spots`` cells with the most crime calls before treatment (at least ``spacing_cells`` apart,
  so that one spot's patrol does not cover another), half of them assigned at random on the
  seed to extra presence in the hot hours: an idle unit goes to a treated spot with probability
  ``share`` and stays ``dwell_min`` minutes (intermittent presence, Koper 1995). Outcome: crime
  calls at the treated spots relative to the control spots, before and during (the trial's
  estimate), and against the same seed run without the treatment (common random numbers: the
  effect the trial estimates). Published: total crime calls -6% to -13% relative to control.
- **Kansas City preventive patrol** (Kelling, Pate, Dieckman and Brown 1974): ``beats`` beats,
  a third each assigned at random to reactive (no routine patrol: units enter only for calls),
  control (normal) and proactive (``proactive_weight`` times the patrol). Outcome: crimes and
  calls by condition, relative to control. Published: no significant difference.

Dosage is measured, not assumed: the unit-minutes of police sight (``presence.police_sight``
times the step) on each cell, in the hot hours for the hot-spot trial and over all hours for
the patrol trial, before and during treatment. Displacement (Braga, Turchan, Papachristos and
Hureau 2019: a small significant reduction at treated places, diffusion of benefits more
common than displacement) is the Bowers-Johnson WDQ of the treated spots, a buffer ring of
``buffer_cells`` around them and the rest of the city, with the untreated run as "before"
(:func:`polsim.measures.treated_areas.paired_displacement`). Intervals are Student t over seeds,
paired where the same seed gives both arms (:mod:`polsim.measures.stats`).

A study file (``experiments/studies/*.toml``) holds a ``[trial]`` table (:func:`load_trial`);
``polsim field-trial STUDY --out DIR`` runs it and writes ``trial.json`` and ``trial.md``.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from polsim.engine.incident import is_call
from polsim.files import write_atomically
from polsim.measures.stats import paired_difference, t_interval
from polsim.measures.treated_areas import AreaRule, PairedRun, paired_displacement
from polsim.model import PolicingModel
from polsim.policies.base import RandomPatrol
from polsim.policies.hotspot import still_dwelling
from polsim.policies.view import PolicyView

KINDS = ("hot_spots", "patrol_levels")
"""The experiments a study file can name."""
ASSIGNMENT_STREAM = 25
"""Second word of the seed of the random assignment (its own stream: it moves no run's draws)."""


class TrialError(ValueError):
    """A study file that cannot be run: ``file: field: what is allowed`` in one line."""


# -- study files --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrialSpec:
    """A field trial: which, on what scenario, seeds, periods and dose (see the module docstring)."""

    kind: str
    name: str = "trial"
    description: str = ""
    scenario: str = "default"
    overrides: dict[str, Any] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5])
    pre_days: float = 3.0
    days: float = 4.0
    # hot spots
    spots: int = 110
    treated: int = 55
    spacing_cells: int = 2
    share: float = 0.3
    dwell_min: float = 15.0
    hot_hours: list[int] = field(default_factory=lambda: [16, 17, 18, 19, 20, 21, 22, 23])
    buffer_cells: float = 2.0
    # patrol levels
    beat_rows: int = 3
    beat_cols: int = 5
    proactive_weight: float = 2.5

    @property
    def steps_pre(self) -> float:
        """Minutes before treatment starts."""
        return self.pre_days * 1440.0


BOUNDS: dict[str, tuple[float, float]] = {
    "pre_days": (0.1, 365), "days": (0.1, 365), "spots": (2, 10_000), "treated": (1, 9_999),
    "spacing_cells": (0, 100), "share": (0, 1), "dwell_min": (0, 1440), "buffer_cells": (0.5, 100),
    "beat_rows": (1, 100), "beat_cols": (1, 100), "proactive_weight": (0, 100),
}


def load_trial(path: str | Path) -> TrialSpec:
    """Read a study file's ``[trial]`` table; a bad field is one :class:`TrialError` line."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise TrialError(f"{path}: cannot read the study: {err}") from None
    table = data.get("trial")
    if not isinstance(table, dict):
        raise TrialError(f"{path}: trial: missing; allowed: a [trial] table with kind = one of {', '.join(KINDS)}")
    known = {f.name: f for f in fields(TrialSpec)}
    for key, value in table.items():
        if key not in known:
            raise TrialError(f"{path}: trial.{key}: unknown field; allowed: {', '.join(known)}")
        _check(path, key, value)
    if table.get("kind") not in KINDS:
        raise TrialError(f"{path}: trial.kind: {table.get('kind')!r}; allowed: {', '.join(KINDS)}")
    spec = TrialSpec(**table)
    if spec.treated >= spec.spots:
        raise TrialError(f"{path}: trial.treated: {spec.treated}; allowed: fewer than spots ({spec.spots})")
    if spec.kind == "patrol_levels" and spec.beat_rows * spec.beat_cols < 3:
        raise TrialError(f"{path}: trial.beat_rows: {spec.beat_rows} x {spec.beat_cols} beats; allowed: at least 3")
    return spec


def _check(path: Path, key: str, value: Any) -> None:
    if key in BOUNDS:
        low, high = BOUNDS[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise TrialError(f"{path}: trial.{key}: {value!r}; allowed: a number in {low:g}..{high:g}")
    elif key == "seeds" and not (isinstance(value, list) and value and len(value) <= 1000 and all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value)):
        raise TrialError(f"{path}: trial.seeds: {value!r}; allowed: 1 to 1000 integers >= 0")
    elif key == "hot_hours" and not (isinstance(value, list) and value and all(
            isinstance(h, int) and 0 <= h <= 23 for h in value)):
        raise TrialError(f"{path}: trial.hot_hours: {value!r}; allowed: hours 0..23")
    elif key == "overrides" and not isinstance(value, dict):
        raise TrialError(f"{path}: trial.overrides: {value!r}; allowed: a table of scenario fields")
    elif key in ("kind", "name", "description", "scenario") and not isinstance(value, str):
        raise TrialError(f"{path}: trial.{key}: {value!r}; allowed: a string")


# -- the treatments, as policies ------------------------------------------------------------------
class _TrialPatrol(RandomPatrol):
    """Random patrol until ``start_min``; then the trial's patrol, whose targets a subclass draws."""

    name = "trial"

    def __init__(self, start_min: float) -> None:
        super().__init__()
        self.start_min = start_min

    def patrol_targets(self, view: PolicyView, units: np.ndarray,
                       u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Random patrol before the start, then :meth:`treatment_targets`."""
        tr, tc = super().patrol_targets(view, units, u)
        if view.now >= self.start_min:
            self.treatment_targets(view, units, u, tr, tc)
        return tr, tc

    def treatment_targets(self, view: PolicyView, units: np.ndarray, u: np.ndarray,
                          tr: np.ndarray, tc: np.ndarray) -> None:
        """Overwrite the random targets ``tr``, ``tc`` where the treatment sends units elsewhere."""


class HotSpotPatrol(_TrialPatrol):
    """Minneapolis: in the hot hours an idle unit goes to a treated spot with probability
    ``share`` (its one uniform: below ``share`` picks the spot) and stays ``dwell_min`` there.
    The spots are chosen by the experimenter at the start, from the calls so far
    (:func:`choose_spots`, called by :func:`run_trial_arm`), and handed over with :meth:`assign`,
    as in the field: the policy sees what any policy sees (:class:`polsim.policies.view.PolicyView`).
    """

    name = "hot_spot_trial"

    def __init__(self, start_min: float, spec: TrialSpec, seed: int) -> None:
        super().__init__(start_min)
        self.spec, self.seed = spec, seed
        self.spots = np.zeros(0, np.int64)
        self.treated = np.zeros(0, np.int64)

    def setup(self, view: PolicyView) -> None:
        """Random patrol's areas, and no unit posted yet."""
        super().setup(view)
        self.post = np.full(len(view.units), -1, np.int64)
        self.dwell_until = np.full(len(view.units), np.nan)

    def assign(self, spots: np.ndarray) -> None:
        """Take the trial's ``spots`` and assign ``treated`` of them at random (on the seed)."""
        self.spots = np.asarray(spots, np.int64)
        rng = np.random.default_rng([self.seed, ASSIGNMENT_STREAM])
        self.treated = np.sort(rng.choice(self.spots, size=self.spec.treated, replace=False))

    def treatment_targets(self, view, units, u, tr, tc) -> None:
        """Dwell at a treated spot, or go to one, in the hot hours with probability ``share``."""
        s = self.spec
        if self.treated.size == 0 or s.share == 0 or view.hour not in s.hot_hours:
            return
        m, cols, now = view.units, view.city.cols, view.now
        for k, j in enumerate(units):
            if self.style[j] == "stay":
                continue
            here = int(m.r[j] * cols + m.c[j])
            if still_dwelling(self.post, self.dwell_until, j, here, now, s.dwell_min):
                tr[k], tc[k] = m.r[j], m.c[j]
                continue
            if self.post[j] == here:  # the dwell is over: free until the next draw sends it
                self.post[j] = -1
            if u[k] < s.share:
                pick = min(int(u[k] / s.share * self.treated.size), self.treated.size - 1)
                self.post[j], self.dwell_until[j] = self.treated[pick], np.nan
                tr[k], tc[k] = divmod(int(self.treated[pick]), cols)

    def treated_cells(self, view: PolicyView | PolicingModel) -> np.ndarray:
        """The treated spots (of the city either a policy's view or the model has)."""
        out = np.zeros(view.city.rows * view.city.cols, bool)
        out[self.treated] = True
        return out.reshape(view.city.rows, view.city.cols)


class BeatPatrol(_TrialPatrol):
    """Kansas City: from the start, idle units patrol cells drawn with weight 0 (reactive),
    1 (control) or ``proactive_weight`` (proactive) by their beat's condition.
    """

    name = "patrol_level_trial"

    def __init__(self, start_min: float, beat_weight: np.ndarray, beat_of_cell: np.ndarray) -> None:
        super().__init__(start_min)
        self.beat_weight, self.beat_of_cell = beat_weight, beat_of_cell

    def setup(self, view: PolicyView) -> None:
        """The cumulative patrol weight over the passable cells."""
        super().setup(view)
        w = self.beat_weight[self.beat_of_cell].ravel() * view.city.passable.ravel()
        self.cdf = np.cumsum(w)

    def treatment_targets(self, view, units, u, tr, tc) -> None:
        """Every moving unit's target is a cell drawn by the beats' weights (fixed posts stay)."""
        if self.cdf[-1] <= 0:
            return
        moving = self.style[units] != "stay"
        cells = np.minimum(np.searchsorted(self.cdf, u[moving] * self.cdf[-1], side="right"), self.cdf.size - 1)
        tr[moving], tc[moving] = np.divmod(cells, view.city.cols)


def choose_spots(model: PolicingModel, n: int, spacing: int) -> np.ndarray:
    """The ``n`` cells with the most crime calls so far (ties: crimes, then cell index), each more
    than ``spacing`` cells (Chebyshev) from those chosen before; fewer if the city runs out.
    """
    calls = calls_by_cell(model, 0.0, model.now)
    crimes = model.metrics.crimes_by_cell.sum(axis=0)
    cells = np.flatnonzero(model.city.passable.ravel())
    order = cells[np.lexsort((cells, -crimes.ravel()[cells], -calls.ravel()[cells]))]
    cols = model.city.cols
    chosen: list[int] = []
    taken = np.zeros(model.city.passable.shape, bool)
    for cell in order:
        r, c = divmod(int(cell), cols)
        if taken[r, c]:
            continue
        chosen.append(int(cell))
        taken[max(r - spacing, 0): r + spacing + 1, max(c - spacing, 0): c + spacing + 1] = True
        if len(chosen) == n:
            break
    return np.array(chosen, np.int64)


def calls_by_cell(model: PolicingModel, t0: float, t1: float) -> np.ndarray:
    """Crime calls (not disputes, not crimes a unit saw on view) received in [t0, t1), by cell."""
    i = model.incidents.columns(("kind", "r", "c", "t_call", "on_view"))
    crime = np.isin(i["kind"].astype(str), model.crime_names)
    t = i["t_call"]
    keep = crime & is_call(t, i["on_view"], t1) & (t >= t0) & (t < t1)
    out = np.zeros((model.city.rows, model.city.cols))
    np.add.at(out, (i["r"][keep].astype(np.int64), i["c"][keep].astype(np.int64)), 1.0)
    return out


def beats(rows: int, cols: int, beat_rows: int, beat_cols: int) -> np.ndarray:
    """Beat of every cell: the lattice cut into ``beat_rows`` x ``beat_cols`` rectangles."""
    r = np.minimum(np.arange(rows) * beat_rows // rows, beat_rows - 1)
    c = np.minimum(np.arange(cols) * beat_cols // cols, beat_cols - 1)
    return r[:, None] * beat_cols + c[None, :]


# -- one run --------------------------------------------------------------------------------------
@dataclass
class TrialRun:
    """What one run of a trial recorded, before (``_pre``) and during treatment."""

    seed: int
    calls_pre: np.ndarray
    calls: np.ndarray
    crimes_pre: np.ndarray
    crimes: np.ndarray
    presence_pre: np.ndarray
    presence: np.ndarray
    """Unit-minutes of police sight by cell (hot hours only, for the hot-spot trial)."""
    treated: np.ndarray
    passable: np.ndarray
    spots: np.ndarray
    """Flat indices of the hot-spot trial's spots, treated and control (empty for beats)."""


def run_trial_arm(spec: TrialSpec, seed: int, make_policy: Callable[[], _TrialPatrol],
                  hours: set[int] | None) -> TrialRun:
    """Run one arm on ``seed``, recording calls, crimes and presence before and during."""
    overrides = {**spec.overrides, "time.days": spec.pre_days + spec.days}
    policy = make_policy()
    model = PolicingModel(spec.scenario, policy=policy, seed=seed, overrides=overrides)
    shape = (model.city.rows, model.city.cols)
    presence = np.zeros((2, *shape))
    pre_steps = int(round(spec.steps_pre / model.dt))
    crimes_pre = None
    for k in range(model.max_steps):
        if k == pre_steps:
            crimes_pre = model.metrics.crimes_by_cell.sum(axis=0).copy()
            if isinstance(policy, HotSpotPatrol):
                policy.assign(choose_spots(model, spec.spots, spec.spacing_cells))
        hour = model.hour
        model.step()
        if hours is None or hour in hours:
            presence[int(k >= pre_steps)] += model.presence.police_sight * model.dt
    crimes_all = model.metrics.crimes_by_cell.sum(axis=0)
    return TrialRun(seed, calls_by_cell(model, 0.0, spec.steps_pre), calls_by_cell(model, spec.steps_pre, model.now),
                    crimes_pre, crimes_all - crimes_pre, presence[0], presence[1],
                    policy.treated_cells(model), model.city.passable.copy(),
                    getattr(policy, "spots", np.zeros(0, np.int64)).copy())


# -- the two experiments --------------------------------------------------------------------------
def hot_spots(spec: TrialSpec, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """The Minneapolis trial over the seeds: dose, calls at treated and control spots, displacement."""
    start = spec.steps_pre
    per_seed, pairs = [], []
    for seed in spec.seeds:
        treated_run = run_trial_arm(spec, seed, lambda s=seed: HotSpotPatrol(start, spec, s), set(spec.hot_hours))
        untreated = run_trial_arm(spec, seed, lambda s=seed: HotSpotPatrol(start, _replace(spec, share=0.0), s),
                                  set(spec.hot_hours))
        per_seed.append(_spot_measures(spec, treated_run, untreated))
        pairs.append(PairedRun(seed, untreated.crimes[None], treated_run.crimes[None],
                               treated_run.treated.astype(float), treated_run.passable))
        progress(f"seed {seed}: trial estimate {_num(per_seed[-1]['trial_effect_pct'], '+.1f')}%, "
                 f"dose {_num(per_seed[-1]['dose_ratio'], '.2f')}x")
    disp = paired_displacement(pairs, AreaRule(buffer_cells=spec.buffer_cells, treated_share=0.5),
                               ["all"])
    return {"spec": asdict(spec), "per_seed": per_seed, "summary": _spot_summary(per_seed),
            "displacement": disp.as_dict()}


def _spot_measures(spec: TrialSpec, run: TrialRun, untreated: TrialRun) -> dict[str, Any]:
    treated = run.treated.ravel()
    control = np.setdiff1d(run.spots, np.flatnonzero(treated))
    t_cells = np.flatnonzero(treated)
    hot_minutes = len(spec.hot_hours) * 60.0

    def per_spot_hour(presence: np.ndarray, cells: np.ndarray, days: float) -> float:
        return float(presence.ravel()[cells].mean()) / (hot_minutes / 60.0 * days)

    def total(x: np.ndarray, cells: np.ndarray) -> float:
        return float(x.ravel()[cells].sum())

    tp, cp = total(run.calls_pre, t_cells), total(run.calls_pre, control)
    td, cd = total(run.calls, t_cells), total(run.calls, control)
    trial = _ratio_of_ratios(td, tp, cd, cp)
    return {
        "seed": run.seed, "treated_spots": int(t_cells.size), "control_spots": int(control.size),
        "calls_treated_pre": tp, "calls_control_pre": cp, "calls_treated": td, "calls_control": cd,
        "calls_treated_untreated_run": total(untreated.calls, t_cells),
        "crimes_treated": total(run.crimes, t_cells), "crimes_treated_untreated_run": total(untreated.crimes, t_cells),
        "trial_effect_pct": trial,
        "presence_treated_min_per_spot_hour": per_spot_hour(run.presence, t_cells, spec.days),
        "presence_control_min_per_spot_hour": per_spot_hour(run.presence, control, spec.days),
        "presence_treated_untreated_min_per_spot_hour": per_spot_hour(untreated.presence, t_cells, spec.days),
        "presence_treated_pre_min_per_spot_hour": per_spot_hour(run.presence_pre, t_cells, spec.pre_days),
        "dose_ratio": _safe_ratio(run.presence.ravel()[t_cells].mean(), untreated.presence.ravel()[t_cells].mean()),
    }


def _ratio_of_ratios(td: float, tp: float, cd: float, cp: float) -> float | None:
    if min(tp, cd, cp) <= 0:
        return None
    return 100.0 * ((td / tp) / (cd / cp) - 1.0)


def _safe_ratio(a: float, b: float) -> float | None:
    return float(a / b) if b > 0 else None


def _spot_summary(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    def col(name: str) -> list[float | None]:
        return [s[name] for s in per_seed]

    effect = paired_percent(col("calls_treated"), col("calls_treated_untreated_run"))
    crimes = paired_percent(col("crimes_treated"), col("crimes_treated_untreated_run"))
    return {
        "trial_effect_pct": t_interval(col("trial_effect_pct")).as_dict(),
        "calls_at_treated_spots_vs_untreated_run": effect,
        "crimes_at_treated_spots_vs_untreated_run": crimes,
        "dose_ratio": t_interval(col("dose_ratio")).as_dict(),
        "presence_treated_min_per_spot_hour": t_interval(col("presence_treated_min_per_spot_hour")).as_dict(),
        "presence_control_min_per_spot_hour": t_interval(col("presence_control_min_per_spot_hour")).as_dict(),
    }


def patrol_levels(spec: TrialSpec, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """The Kansas City trial over the seeds: dose, crimes and calls by condition."""
    probe = PolicingModel(spec.scenario, seed=spec.seeds[0], overrides={**spec.overrides, "time.days": 0.01})
    beat_of_cell = beats(probe.city.rows, probe.city.cols, spec.beat_rows, spec.beat_cols)
    n_beats = spec.beat_rows * spec.beat_cols
    per_seed = []
    for seed in spec.seeds:
        condition = assign_conditions(n_beats, seed)
        weight = np.array([0.0, 1.0, spec.proactive_weight])[condition]
        run = run_trial_arm(spec, seed, lambda w=weight: BeatPatrol(spec.steps_pre, w, beat_of_cell), None)
        base = run_trial_arm(spec, seed, lambda: BeatPatrol(spec.steps_pre, np.ones(n_beats), beat_of_cell), None)
        per_seed.append(_beat_measures(spec, run, base, condition, beat_of_cell))
        pct = per_seed[-1]["crimes_pct"]
        progress(f"seed {seed}: crimes reactive {_num(pct['reactive'], '+.1f')}%, "
                 f"proactive {_num(pct['proactive'], '+.1f')}% vs control")
    return {"spec": asdict(spec), "per_seed": per_seed, "summary": _beat_summary(per_seed)}


CONDITIONS = ("reactive", "control", "proactive")


def assign_conditions(n_beats: int, seed: int) -> np.ndarray:
    """A third of the beats to each condition (0 reactive, 1 control, 2 proactive), at random."""
    rng = np.random.default_rng([seed, ASSIGNMENT_STREAM])
    return rng.permutation(np.arange(n_beats) % 3)


def _beat_measures(spec: TrialSpec, run: TrialRun, base: TrialRun, condition: np.ndarray,
                   beat_of_cell: np.ndarray) -> dict[str, Any]:
    open_beat = np.where(run.passable, beat_of_cell, -1)

    def by_condition(x: np.ndarray) -> dict[str, float]:
        sums = np.array([x[open_beat == b].sum() for b in range(condition.size)])
        cells = np.array([(open_beat == b).sum() for b in range(condition.size)])
        return {name: float(sums[condition == k].sum() / max(cells[condition == k].sum(), 1))
                for k, name in enumerate(CONDITIONS)}

    out: dict[str, Any] = {"seed": run.seed, "conditions": condition.tolist()}
    hours = spec.days * 24.0
    for name, x in (("crimes", run.crimes), ("calls", run.calls), ("crimes_base", base.crimes),
                    ("presence", run.presence / hours), ("presence_base", base.presence / hours)):
        out[name] = by_condition(x)
    out["crimes_pct"] = {k: 100.0 * (out["crimes"][k] / out["crimes"]["control"] - 1.0)
                         if out["crimes"]["control"] > 0 else None for k in CONDITIONS}
    out["calls_pct"] = {k: 100.0 * (out["calls"][k] / out["calls"]["control"] - 1.0)
                        if out["calls"]["control"] > 0 else None for k in CONDITIONS}
    out["crimes_vs_base_pct"] = {k: 100.0 * (out["crimes"][k] / out["crimes_base"][k] - 1.0)
                                 if out["crimes_base"][k] > 0 else None for k in CONDITIONS}
    return out


def _beat_summary(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in CONDITIONS:
        out[k] = {
            "presence_min_per_cell_hour": t_interval([s["presence"][k] for s in per_seed]).as_dict(),
            "crimes_pct_vs_control": t_interval([s["crimes_pct"][k] for s in per_seed]).as_dict(),
            "calls_pct_vs_control": t_interval([s["calls_pct"][k] for s in per_seed]).as_dict(),
            "crimes_vs_same_seed_normal_patrol": paired_percent([s["crimes"][k] for s in per_seed],
                                                                [s["crimes_base"][k] for s in per_seed]),
        }
    return out


def _num(x: float | None, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def paired_percent(values: list[float], baseline: list[float]) -> dict[str, Any]:
    """:func:`polsim.measures.stats.paired_difference` of same-seed pairs, with its interval also in
    percent of the baseline's mean (``pct_low``, ``pct_high``), as a relative effect is quoted.
    """
    diff = paired_difference(values, baseline)
    base = t_interval(baseline).mean
    for end in ("low", "high"):
        ci = diff[f"ci_{end}"]
        diff[f"pct_{end}"] = None if ci is None or not base else 100.0 * ci / base
    return diff


def _replace(spec: TrialSpec, **changes: Any) -> TrialSpec:
    return TrialSpec(**{**asdict(spec), **changes})


EXPERIMENTS = {"hot_spots": hot_spots, "patrol_levels": patrol_levels}


def run_study(spec: TrialSpec, out: Path, progress: Callable[[str], None] = lambda _: None) -> Path:
    """Run ``spec`` and write ``trial.json`` (the figures) and then ``trial.md`` (the table) in ``out``."""
    result = EXPERIMENTS[spec.kind](spec, progress)
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / "trial.json", lambda p: p.write_text(json.dumps(_plain(result), indent=1)))
    write_atomically(out / "trial.md", lambda p: p.write_text(report(result)))
    return out / "trial.md"


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _fmt(iv: dict[str, Any], unit: str = "") -> str:
    if iv.get("mean") is None:
        return "-"
    if iv.get("ci_low") is None:
        return f"{iv['mean']:.2f}{unit}"
    return f"{iv['mean']:.2f}{unit} ({iv['ci_low']:.2f} to {iv['ci_high']:.2f})"


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with its summary recomputed from its seeds (a ``trial.json`` read back)."""
    per_seed = result["per_seed"]
    summary = _spot_summary(per_seed) if result["spec"]["kind"] == "hot_spots" else _beat_summary(per_seed)
    return {**result, "summary": summary}


def report(result: dict[str, Any]) -> str:
    """A Markdown summary of a trial's result (means with 95% intervals over seeds)."""
    spec, s = result["spec"], result["summary"]
    lines = [f"# {spec['name']}", "", spec["description"], "",
             f"Scenario `{spec['scenario']}` with {spec['overrides']}; seeds {spec['seeds']}; "
             f"{spec['pre_days']:g} days before treatment, {spec['days']:g} days of treatment.", ""]
    if spec["kind"] == "hot_spots":
        rows = [
            ("presence at treated spots, min per spot-hour (hot hours)", _fmt(s["presence_treated_min_per_spot_hour"])),
            ("presence at control spots, min per spot-hour (hot hours)", _fmt(s["presence_control_min_per_spot_hour"])),
            ("dose: treated spots' presence over the untreated run's", _fmt(s["dose_ratio"], "x")),
            ("trial estimate: calls at treated vs control spots, change in %", _fmt(s["trial_effect_pct"], "%")),
            ("calls at treated spots vs the same seed untreated", _pct(s["calls_at_treated_spots_vs_untreated_run"])),
            ("crimes at treated spots vs the same seed untreated", _pct(s["crimes_at_treated_spots_vs_untreated_run"])),
            (f"WDQ (buffer {spec['buffer_cells']:g} cells)", _wdq(result["displacement"]))]
        lines += ["| measure | mean (95% interval over seeds) |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]
    else:
        lines += ["| condition | presence, min per cell-hour | crimes vs control, % | calls vs control, % | "
                  "crimes vs same seed normal patrol |", "|---|---|---|---|---|"]
        for k in CONDITIONS:
            c = s[k]
            lines.append(f"| {k} | {_fmt(c['presence_min_per_cell_hour'])} | {_fmt(c['crimes_pct_vs_control'], '%')} | "
                         f"{_fmt(c['calls_pct_vs_control'], '%')} | {_pct(c['crimes_vs_same_seed_normal_patrol'])} |")
    return "\n".join(lines) + "\n"


def _pct(diff: dict[str, Any]) -> str:
    if diff.get("pct") is None:
        return "-"
    if diff.get("pct_low") is None:
        return f"{diff['pct']:+.1f}%"
    return f"{diff['pct']:+.1f}% ({diff['pct_low']:+.1f}% to {diff['pct_high']:+.1f}%)"


def _wdq(d: dict[str, Any]) -> str:
    if d.get("verdict") == "undefined" and "pooled" not in d:
        return f"undefined: {d.get('reason')}"
    w = d["pooled"]["wdq"]
    wdq = "undefined" if w is None else f"{w:.2f}"
    return f"{wdq} pooled; {d['verdict']}: {d['reason']}"
