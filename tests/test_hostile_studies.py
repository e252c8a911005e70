"""Every hostile command line of the study commands (``tests/hostile/studies.py``, issue 26), each
held to its outcome: exit 2 with the one line naming what is wrong (and the option as typed),
no traceback and nothing written; or exit 0 with its results."""

from __future__ import annotations

import json
import os

import pytest

from polsim.cli import main
from tests.hostile.studies import EVIL_MARKER, STUDY_COMMANDS, prepare_studies

pytest.importorskip("pymoo")

DAMAGED = "the study folder is damaged"

OUTCOMES = {
    "period_year_0": "--period: 0000-01: years must lie in 1900..2200",
    "period_year_3000": "--period: 3000-01: years must lie in 1900..2200",
    "workers_10000": "--workers must be in [0, ", "replications_1e6": "--replications must be in [2, 1,000]",
    "replications_1": "--replications must be in [2, 1,000], got 1",
    "warmup_negative": "--warmup-days must be in [0, 3,660], got -1",
    "days_nan": "--days must be a finite number in", "max_outside_nan": "--max-outside must be a finite number",
    "max_outside_2": "--max-outside must be in [0, 1]",
    "scheduler_unreachable": "--scheduler: no Dask scheduler answers",
    "days_1e9": "--days must be in (0, 3,660]", "days_and_warmup_over_3660": "--days + --warmup-days must be <= 3,660",
    "calibrate_runs_over_100_hours": "worker-hours", "calibrate_block_1e12": "--block-m must be in (0, 100,000]",
    "calibrate_block_0": "--block-m must be in (0, 100,000], got 0",
    "calibrate_bandwidth_1e12": "--bandwidth-m must be in [0, 50,000]",
    "calibrate_rounds_1e9": "--rounds must be in [1, 1,000]",
    "calibrate_damping_negative": "--damping must be in (0, 1]",
    "calibrate_alpha_2": "--alpha must be in (0, 1)", "calibrate_out_proc": "--out: cannot write /proc",
    "calibrate_out_under_file": "afile exists and is not a folder", "calibrate_out_not_toml": "must end in .toml",
    "backtest_first_seed_negative": "--first-seed must be >= 0, got -5",
    "backtest_first_seed_huge": "--first-seed + --replications - 1 must be in 0..2**63-1",
    "backtest_inside_training": "overlaps the training period 2018-01",
    "backtest_out_proc": "--out: cannot write /proc",
    "backtest_out_under_file": "which is a file, not a folder", "backtest_out_file": "exists and is not a folder",
    "optimise_population_1e6": "population: must be <= 10000",
    "optimise_generations_1e9": "generations: must be <= 10000",
    "optimise_replications_1e9": "replications: must be <= 1000",
    "optimise_final_replications_1e9": "final_replications: must be <= 1000",
    "optimise_max_replications_1e9": "max_replications: must be <= 1000",
    "optimise_offspring_1e6": "offspring: must be",
    "optimise_seed_base_1e20": "seed_base: must be <=", "optimise_search_seed_2e40": "search_seed: must be <=",
    "optimise_runs_over_limit": "above the limit of 100,000", "optimise_space_1e6_candidates": "count: must be <=",
    "optimise_bases_2000": "base_cells: must have at most 1000 values",
    "optimise_fixed_also_varied": "fixed.units.car.base_cells: is varied by variables.units.car",
    "optimise_fixed_days_and_days": "fixed.time.days: the spec's days sets it",
    "optimise_variables_policy_empty": "variables.policy: is empty", "optimise_policy_list": "policy: must be a string",
    "optimise_policy_twice": "names hotspot twice", "optimise_policy_module": "policy: policy 'os:system'",
    "optimise_workers_10000": "--workers must be in [1, ", "optimise_max_hours_0": "--max-hours must be in",
    "optimise_max_hours_tiny": "above the limit of 1e-09", "optimise_out_proc": "--out: cannot write /proc",
    "optimise_out_under_file": "which is a file, not a folder",
    "optimise_resume_truncated_state": f"state.json: cannot be read as JSON (JSONDecodeError); {DAMAGED}",
    "optimise_resume_truncated_part": f"parts: a part file cannot be read (ArrowInvalid); {DAMAGED}",
    "optimise_resume_front_points_5": f"front.json: not a front written by polsim optimise; {DAMAGED}",
    "optimise_resume_state_not_a_checkpoint": f"state.json: not a checkpoint of polsim optimise; {DAMAGED}",
    "optimise_resume_study_json_garbage": f"optimise.json: cannot be read as JSON (JSONDecodeError); {DAMAGED}",
    "optimise_resume_finished": None, "optimise_resume_finished_no_points": None,
    "export_front_points_5": f"front.json: not a front written by polsim optimise; {DAMAGED}",
    "export_out_proc": "--out: cannot write /proc", "export_out_under_file": "afile exists and is not a folder",
    "export_out_is_folder": "exists and is not a regular file", "export_to_a_new_folder": None,
    "export_study_json_garbage": f"optimise.json: cannot be read as JSON (JSONDecodeError); {DAMAGED}",
    "report_front_points_5": f"front.json: not a front written by polsim optimise; {DAMAGED}",
    "validate_model_out_proc": "--out: cannot write /proc", "validate_model_out_under_file": "which is a file",
    "run_policy_name_module": "policy.name: must be a shipped policy's name or a+b of them, got 'os:system'",
    "run_policy_name_unknown": "policy.name: unknown policy 'nosuch'",
    "run_policy_name_twice": "policy.name: policy 'hotspot+hotspot' names hotspot twice",
    "run_policy_twice": "--policy: policy 'hotspot+hotspot' names hotspot twice",
    "run_set_newline": "--set: offenders.count: must be one line",
    "validate_policy_name_unknown": "policy.name: unknown policy 'nosuch'",
}
"""What each case's error says, by the case's name or its name without the command (``None``: it runs)."""


def outcome(name: str) -> str | None:
    """The expected words of case ``name``."""
    if name in OUTCOMES:
        return OUTCOMES[name]
    return OUTCOMES[name.split("_", 1)[1]]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("studies")
    prepare_studies(folder)
    return folder


def _tree(folder) -> dict[str, int]:
    return {os.path.join(d, f): os.stat(os.path.join(d, f)).st_mtime_ns
            for d, _, files in os.walk(folder) for f in files}


def test_every_case_has_an_outcome():
    assert len(STUDY_COMMANDS) >= 80
    for name in STUDY_COMMANDS:
        outcome(name)


@pytest.mark.parametrize("name", sorted(STUDY_COMMANDS))
def test_hostile_study_command(name, prepared, capsys):
    args = [a.replace("{dir}", str(prepared)) for a in STUDY_COMMANDS[name]]
    before = _tree(prepared)
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert not (prepared / EVIL_MARKER).exists()  # no study folder ever ran code
    words = outcome(name)
    if words is not None:
        assert code == 2, err
        said = err.strip()
        assert said.splitlines() == [said] and words in said, said
        assert _tree(prepared) == before  # nothing written
        return
    assert code == 0, err
    _check_ran(name, prepared, before)


def _check_ran(name, prepared, before) -> None:
    """What a case that runs must leave: a finished study is not run again; an export lands."""
    if name.startswith("optimise_resume_finished"):
        folder = prepared / ("study" if name == "optimise_resume_finished" else "finished_no_points")
        front = json.loads((folder / "front.json").read_text())
        assert all((folder / "points" / f"point_{p['point']:02d}.toml").exists() for p in front["points"])
        parts = [p for p in before if p.startswith(f"{folder}/parts/")]
        assert sorted(str(p) for p in (folder / "parts").glob("*.parquet")) == sorted(parts)  # nothing ran
    else:
        assert (prepared / "exported" / "deeper" / "p.toml").exists()
