"""The field trials (experiments/field_trials.py): study files, spots, beats, the treatments."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from polsim import PolicingModel
from polsim.cli import main
from polsim.experiments.field_trials import (
    BeatPatrol,
    HotSpotPatrol,
    TrialError,
    TrialSpec,
    assign_conditions,
    beats,
    choose_spots,
    load_trial,
    run_study,
)
from polsim.output import summary_json
from tests.conftest import SMALL

STUDIES = Path(__file__).resolve().parents[1] / "experiments" / "studies"


def _study(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["minneapolis_hot_spots.toml", "kansas_city_patrol.toml"])
def test_the_shipped_studies_load(name):
    spec = load_trial(STUDIES / name)
    assert spec.kind in ("hot_spots", "patrol_levels")


@pytest.mark.parametrize(("text", "message"), [
    ("[trial]\nkind = 'hot_spots'\nspots = 10\ntreated = 10\n", "trial.treated"),
    ("[trial]\nkind = 'hot_spots'\nshare = 1.5\n", "trial.share"),
    ("[trial]\nkind = 'cities'\n", "trial.kind"),
    ("[trial]\nkind = 'hot_spots'\ncolour = 'red'\n", "trial.colour: unknown field"),
    ("[trial]\nkind = 'hot_spots'\nseeds = [-1]\n", "trial.seeds"),
    ("[trial]\nkind = 'hot_spots'\nhot_hours = [25]\n", "trial.hot_hours"),
    ("[nothing]\n", "trial: missing"),
])
def test_a_bad_study_is_one_line_naming_the_file_and_field(tmp_path, text, message):
    path = _study(tmp_path, text)
    with pytest.raises(TrialError, match=message) as err:
        load_trial(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_the_cli_refuses_a_bad_study_with_exit_2_and_writes_nothing(tmp_path, capsys):
    path = _study(tmp_path, "[trial]\nkind = 'hot_spots'\nshare = -1\n")
    out = tmp_path / "out"
    assert main(["field-trial", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "trial.share" in err[0]
    assert not out.exists()


def test_spots_are_the_most_called_cells_at_least_the_spacing_apart():
    model = PolicingModel("default", seed=2, overrides={**SMALL, "time.days": 0.5}).run()
    spots = choose_spots(model, 15, 1)
    r, c = np.divmod(spots, model.city.cols)
    for i in range(spots.size):
        for j in range(i):
            assert max(abs(r[i] - r[j]), abs(c[i] - c[j])) > 1
    from polsim.experiments.field_trials import calls_by_cell

    calls = calls_by_cell(model, 0.0, model.now).ravel()
    assert calls[spots[0]] == calls.max()
    assert (np.diff(calls[spots]) <= 0).all()  # in order of calls


def test_beats_cut_the_lattice_into_equal_rectangles_and_conditions_come_in_thirds():
    b = beats(60, 60, 3, 5)
    sizes = np.bincount(b.ravel())
    assert sizes.size == 15 and (sizes == 240).all()
    cond = assign_conditions(15, 7)
    assert np.bincount(cond).tolist() == [5, 5, 5]
    np.testing.assert_array_equal(cond, assign_conditions(15, 7))
    assert not np.array_equal(cond, assign_conditions(15, 8))


def test_hot_spot_trial_without_dose_is_random_patrol():
    """share = 0: the untreated arm is exactly the random-patrol run on the seed."""
    spec = TrialSpec(kind="hot_spots", spots=10, treated=5, share=0.0, spacing_cells=1)
    over = {**SMALL, "time.days": 0.2}
    trial = PolicingModel("default", policy=HotSpotPatrol(60.0, spec, 3), seed=3, overrides=over)
    for _ in range(60):  # the experimenter picks the spots at the start, as run_trial_arm does
        trial.step()
    trial.policy.assign(choose_spots(trial, spec.spots, spec.spacing_cells))
    trial.run()
    plain = PolicingModel("default", policy="random", seed=3, overrides=over).run()
    a, b = trial.summary(), plain.summary()
    a.pop("policy"), b.pop("policy")
    assert summary_json(a) == summary_json(b)
    assert trial.policy.treated.size == 5 and np.isin(trial.policy.treated, trial.policy.spots).all()


def test_hot_spot_trial_with_full_dose_sends_every_idle_unit_to_a_treated_spot():
    spec = TrialSpec(kind="hot_spots", spots=10, treated=5, share=1.0, spacing_cells=1,
                     hot_hours=list(range(24)), dwell_min=0.0)
    model = PolicingModel("default", policy=HotSpotPatrol(30.0, spec, 3), seed=3, overrides={**SMALL, "time.days": 0.1})
    model.run(steps=30)
    model.policy.assign(choose_spots(model, spec.spots, spec.spacing_cells))
    model.run(steps=10)
    policy = model.policy
    units = np.flatnonzero(policy.style != "stay")
    tr, tc = policy.patrol_targets(model.policy_view, units, np.linspace(0.0, 0.999, units.size))
    assert np.isin(tr * model.city.cols + tc, policy.treated).all()


def test_beat_trial_never_sends_routine_patrol_to_a_reactive_beat():
    b = beats(30, 30, 1, 3)
    weight = np.array([0.0, 1.0, 2.5])
    model = PolicingModel("default", policy=BeatPatrol(0.0, weight, b), seed=1, overrides={**SMALL, "time.days": 0.05})
    policy = model.policy
    units = np.flatnonzero(policy.style != "stay")
    u = np.random.default_rng(0).random((200, units.size))
    targets = np.concatenate([np.ravel_multi_index(policy.patrol_targets(model, units, row), b.shape) for row in u])
    hits = np.bincount(b.ravel()[targets], minlength=3)
    assert hits[0] == 0
    # proactive cells draw 2.5 times the targets of control cells (equal beats): within sampling noise
    assert hits[2] / hits[1] == pytest.approx(2.5, rel=0.15)


def test_a_tiny_hot_spot_study_reports_dose_effect_and_displacement(tmp_path):
    spec = TrialSpec(kind="hot_spots", name="tiny", overrides={**SMALL}, seeds=[1, 2], pre_days=0.2, days=0.2,
                     spots=12, treated=6, spacing_cells=1, share=0.5, hot_hours=list(range(24)))
    md = run_study(spec, tmp_path)
    result = json.loads((tmp_path / "trial.json").read_text())
    assert md.read_text().startswith("# tiny")
    assert len(result["per_seed"]) == 2
    assert result["summary"]["dose_ratio"]["mean"] > 1.5  # half the idle units sent to 6 spots
    assert "verdict" in result["displacement"]


def test_paired_percent_is_the_paired_interval_over_the_baseline_mean():
    from polsim.experiments.field_trials import paired_percent

    values, baseline = [9.0, 11.0, 10.0], [10.0, 12.0, 11.0]  # every pair 1 lower: no spread
    d = paired_percent(values, baseline)
    assert d["mean"] == pytest.approx(-1.0)
    assert d["pct"] == pytest.approx(100 * (10 / 11 - 1))
    assert d["pct_low"] == pytest.approx(100 * d["ci_low"] / 11) and d["pct_high"] == pytest.approx(-100 / 11)


def test_validate_model_keeps_the_hand_written_field_trials_section():
    from polsim.validation.report import KEPT, kept_by_hand

    page = (Path(__file__).resolve().parents[1] / "docs" / "validation.md").read_text()
    tail = kept_by_hand(page)
    assert tail.lstrip().startswith(KEPT) and "Minneapolis" in tail
    assert kept_by_hand("# generated only\n") == ""


@pytest.mark.parametrize(("option", "value", "message"), [("--seeds", "0", "--seeds"), ("--days", "400", "--days")])
def test_the_cli_refuses_out_of_range_options(tmp_path, capsys, option, value, message):
    out = tmp_path / "out"
    assert main(["field-trial", str(STUDIES / "kansas_city_patrol.toml"), "--out", str(out), option, value]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not out.exists()
