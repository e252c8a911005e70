"""The hostile corpus of the study commands (issue 26): calibrate, backtest, optimise and its
export, validate-model, and a scenario's own policy.

``STUDY_COMMANDS`` maps a case to its argument list (``{dir}`` is the scratch folder that
:func:`prepare_studies` fills: an imported data table, a small scenario, optimisation specs,
a finished study and damaged copies of it); ``tests/test_hostile_studies.py`` holds each to
its outcome, as ``tests/test_hostile.py`` does the scenario corpus.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import tomli_w

DETROIT = (-83.08, 42.36)
LINE_CELLS = [[2, c] for c in range(0, 41, 5)]
EVIL_MARKER = "pickle-ran.txt"
"""What the pickled ``state.pkl`` of a hostile study folder would create if it were ever loaded."""


class _Evil:
    """Unpickling this runs a command (what a replaced ``state.pkl`` did before JSON)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _tiny(folder: Path) -> Path:
    city = {"rows": 20, "cols": 20, "cell_m": 250.0, "grid_cells": 4, "station_grids": 1, "district_stations": 1,
            "cameras": 5, "workstations": 1, "origin": list(DETROIT),
            "land_use": {"residential": 0.6, "commercial": 0.2, "market": 0.05, "park": 0.1, "transit": 0.05,
                         "blocked": 0.0}}
    data = {"name": "tiny", "time": {"days": 2, "step_minutes": 5.0}, "city": city, "offenders": {"count": 150},
            "guardians": {"grid_workers_per_grid": 0, "volunteers": 20}, "disputes": {"per_day": 0.0},
            "units": {"patrol_car": {"count": 3}}}
    path = folder / "tiny.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def _data(folder: Path) -> None:
    from polsim.cli import main
    from polsim.data import synthetic

    src = folder / "calls.csv"
    model = synthetic.KnownModel(origin=DETROIT, days=40, start="2018-01-01")
    synthetic.as_detroit(synthetic.draw(model, seed=1)).to_csv(src, index=False)
    assert main(["data", "import", str(src), "--schema", "detroit", "--out", str(folder / "calls.parquet")]) == 0


SPECS = {
    "population_1e6": {"population": 10**6},
    "generations_1e9": {"generations": 10**9},
    "replications_1e9": {"replications": 10**9},
    "final_replications_1e9": {"final_replications": 10**9},
    "max_replications_1e9": {"max_replications": 10**9},
    "offspring_1e6": {"offspring": 10**6},
    "seed_base_1e20": {"seed_base": 10**20},
    "search_seed_2e40": {"search_seed": 2**40},
    "runs_over_limit": {"generations": 5000, "population": 5000},
    "space_1e6_candidates": {"variables": {"units": {"car": {"count": [1, 10**6]}}}},
    "bases_2000": {"variables": {"units": {"car": {"base_cells": [[2, c % 41] for c in range(2000)]}}}},
    "fixed_also_varied": {"fixed": {"units.car.base_cells": [[2, 3]]}},
    "fixed_days_and_days": {"days": 0.1, "fixed": {"time.days": 0.2}},
    "variables_policy_empty": {"variables": {"policy": []}},
    "policy_list": {"policy": []},
    "policy_twice": {"policy": "hotspot+hotspot"},
    "policy_module": {"policy": "os:system"},
}
"""Spec changes (of the line study) that ``polsim optimise`` must refuse before anything runs."""


def _spec(folder: Path, name: str, **changes) -> Path:
    from tests.optimise_cases import LINE_SCENARIO

    (folder / "line.toml").write_text(tomli_w.dumps(LINE_SCENARIO), encoding="utf-8")
    data = {"name": "line", "scenario": "line.toml", "objectives": ["min response_time_min.mean"],
            "replications": 1, "final_replications": 2, "generations": 2, "population": 4, "days": 0.1,
            "variables": {"units": {"car": {"base_cells": LINE_CELLS, "staffed": [1, 1]}}}}
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            merged = dict(data[key])
            for k, v in value.items():
                merged[k] = {**merged[k], **v} if isinstance(v, dict) and isinstance(merged.get(k), dict) else v
            data[key] = merged
        else:
            data[key] = value
    path = folder / f"{name}.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def _finished_study(folder: Path) -> Path:
    """A finished study (stand-in runs: no simulation) in ``folder/study``."""
    from polsim.experiments.optimise.checks import load_optimise
    from polsim.experiments.optimise.study import run_study
    from tests.optimise_cases import Synthetic

    out = folder / "study"
    run_study(load_optimise(_spec(folder, "spec")), out, Synthetic(), progress=False)
    return out


def _damaged_copies(folder: Path, study: Path) -> None:
    def copy(name: str, finished: bool = False) -> Path:
        target = folder / name
        shutil.copytree(study, target)
        if not finished:
            (target / "front.json").unlink()
        return target

    state = copy("truncated_state") / "state.json"
    state.write_text(state.read_text()[:50])
    part = sorted((copy("truncated_part") / "parts").glob("*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:100])
    (copy("front_points_5", finished=True) / "front.json").write_text(json.dumps({"points": 5}))
    (copy("state_not_a_checkpoint") / "state.json").write_text(json.dumps({"generation": "x"}))
    (copy("study_json_garbage", finished=True) / "optimise.json").write_text("{not json")
    evil = copy("evil_pickle")  # unfinished, with a hostile state.pkl beside the JSON checkpoint
    (evil / "state.pkl").write_bytes(pickle.dumps(_Evil(str(folder / EVIL_MARKER))))
    shutil.rmtree(copy("finished_no_points", finished=True) / "points")


def prepare_studies(folder: Path) -> None:
    """Everything the command lines refer to, in ``folder``."""
    folder = Path(folder)
    _tiny(folder)
    _data(folder)
    for name, changes in SPECS.items():
        _spec(folder, name, **changes)
    _spec(folder, "spec")
    study = _finished_study(folder)
    _damaged_copies(folder, study)
    (folder / "afile").write_text("a file, not a folder\n")
    (folder / "afolder.toml").mkdir()
    for name, policy in (("module", "os:system"), ("unknown", "nosuch"), ("twice", "hotspot+hotspot")):
        (folder / f"scenario_policy_{name}.toml").write_text(f'[policy]\nname = "{policy}"\n', encoding="utf-8")


def _commands() -> dict[str, list[str]]:
    c: dict[str, list[str]] = {}
    cal = ["calibrate", "{dir}/tiny.toml", "--data", "{dir}/calls.parquet", "--period", "2018-01",
           "--out", "{dir}/o/x.toml", "--workers", "0", "--no-progress"]
    bt = ["backtest", "{dir}/tiny.toml", "--data", "{dir}/calls.parquet", "--period", "2018-02-01..2018-02-05",
          "--train-period", "2018-01", "--out", "{dir}/o", "--workers", "0", "--no-progress"]

    def with_option(base: list[str], option: str, value: str) -> list[str]:
        args = list(base)
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
        return args

    for name, base in (("calibrate", cal), ("backtest", bt)):
        c[f"{name}_period_year_0"] = with_option(base, "--period", "0000-01")
        c[f"{name}_period_year_3000"] = with_option(base, "--period", "3000-01")
        c[f"{name}_workers_10000"] = with_option(base, "--workers", "10000")
        c[f"{name}_replications_1e6"] = with_option(base, "--replications", "1000000")
        c[f"{name}_replications_1"] = with_option(base, "--replications", "1")
        c[f"{name}_warmup_negative"] = with_option(base, "--warmup-days", "-1")
        c[f"{name}_days_nan"] = with_option(base, "--days", "nan")
        c[f"{name}_max_outside_nan"] = with_option(base, "--max-outside", "nan")
        c[f"{name}_max_outside_2"] = with_option(base, "--max-outside", "2")
        c[f"{name}_scheduler_unreachable"] = [a for a in with_option(base, "--scheduler", "tcp://127.0.0.1:1")
                                              if a not in ("--workers", "0")]
        c[f"{name}_days_1e9"] = with_option(base, "--days", "1e9")
        c[f"{name}_days_and_warmup_over_3660"] = with_option(with_option(base, "--days", "3000"),
                                                             "--warmup-days", "1000")
    c["calibrate_runs_over_100_hours"] = with_option(with_option(with_option(
        cal, "--days", "1830"), "--warmup-days", "1830"), "--replications", "1000")
    c["calibrate_block_1e12"] = with_option(cal, "--block-m", "1e12")
    c["calibrate_block_0"] = with_option(cal, "--block-m", "0")
    c["calibrate_bandwidth_1e12"] = with_option(cal, "--bandwidth-m", "1e12")
    c["calibrate_rounds_1e9"] = with_option(cal, "--rounds", "1000000000")
    c["calibrate_damping_negative"] = with_option(cal, "--damping", "-1")
    c["calibrate_alpha_2"] = with_option(cal, "--alpha", "2")
    c["calibrate_out_proc"] = with_option(cal, "--out", "/proc/polsim/x.toml")
    c["calibrate_out_under_file"] = with_option(cal, "--out", "{dir}/afile/x.toml")
    c["calibrate_out_not_toml"] = with_option(cal, "--out", "{dir}/o/x.txt")
    c["backtest_first_seed_negative"] = with_option(bt, "--first-seed", "-5")
    c["backtest_first_seed_huge"] = with_option(bt, "--first-seed", str(2**63 - 2))
    c["backtest_inside_training"] = with_option(bt, "--period", "2018-01-05..2018-01-09")
    c["backtest_out_proc"] = with_option(bt, "--out", "/proc/polsim-bt")
    c["backtest_out_under_file"] = with_option(bt, "--out", "{dir}/afile/bt")
    c["backtest_out_file"] = with_option(bt, "--out", "{dir}/afile")
    # -- optimise: specs, options, study folders -------------------------------------------------
    opt = ["--out", "{dir}/o", "--workers", "1", "--no-progress"]
    for name in SPECS:
        c[f"optimise_{name}"] = ["optimise", f"{{dir}}/{name}.toml", *opt]
    c["optimise_workers_10000"] = ["optimise", "{dir}/spec.toml", "--out", "{dir}/o", "--workers", "10000"]
    c["optimise_scheduler_unreachable"] = ["optimise", "{dir}/spec.toml", "--out", "{dir}/o",
                                           "--scheduler", "tcp://127.0.0.1:1", "--no-progress"]
    c["optimise_max_hours_0"] = ["optimise", "{dir}/spec.toml", "--max-hours", "0", *opt]
    c["optimise_max_hours_tiny"] = ["optimise", "{dir}/spec.toml", "--max-hours", "1e-9", *opt]
    c["optimise_out_proc"] = ["optimise", "{dir}/spec.toml", "--out", "/proc/polsim-opt", "--no-progress"]
    c["optimise_out_under_file"] = ["optimise", "{dir}/spec.toml", "--out", "{dir}/afile/opt", "--no-progress"]
    for name in ("truncated_state", "truncated_part", "front_points_5", "state_not_a_checkpoint",
                 "study_json_garbage"):
        c[f"optimise_resume_{name}"] = ["optimise", "{dir}/spec.toml", "--out", f"{{dir}}/{name}", "--resume",
                                        "--no-progress"]
    c["optimise_resume_finished"] = ["optimise", "{dir}/spec.toml", "--out", "{dir}/study", "--resume",
                                     "--no-progress"]
    c["optimise_resume_finished_no_points"] = ["optimise", "{dir}/spec.toml", "--out", "{dir}/finished_no_points",
                                               "--resume", "--no-progress"]
    c["export_front_points_5"] = ["optimise", "export", "{dir}/front_points_5", "--point", "1",
                                  "--out", "{dir}/o/p.toml"]
    c["export_out_proc"] = ["optimise", "export", "{dir}/study", "--point", "1", "--out", "/proc/polsim/p.toml"]
    c["export_out_under_file"] = ["optimise", "export", "{dir}/study", "--point", "1",
                                  "--out", "{dir}/afile/p.toml"]
    c["export_out_is_folder"] = ["optimise", "export", "{dir}/study", "--point", "1", "--out", "{dir}/afolder.toml"]
    c["export_to_a_new_folder"] = ["optimise", "export", "{dir}/study", "--point", "1",
                                   "--out", "{dir}/exported/deeper/p.toml"]
    c["export_study_json_garbage"] = ["optimise", "export", "{dir}/study_json_garbage", "--point", "1",
                                      "--out", "{dir}/o/p.toml"]
    c["report_front_points_5"] = ["report", "{dir}/front_points_5"]
    c["validate_model_out_proc"] = ["validate-model", "--quick", "--out", "/proc/polsim-validation"]
    c["validate_model_out_under_file"] = ["validate-model", "--quick", "--out", "{dir}/afile/v"]
    # -- a scenario's own policy, --set ---------------------------------------------------------
    run = ["run", "--steps", "20", "--no-progress", "--out", "{dir}/o"]
    c["run_policy_name_module"] = [*run, "{dir}/scenario_policy_module.toml"]
    c["run_policy_name_unknown"] = [*run, "{dir}/scenario_policy_unknown.toml"]
    c["run_policy_name_twice"] = [*run, "{dir}/scenario_policy_twice.toml"]
    c["run_policy_twice"] = [*run, "default", "--policy", "hotspot+hotspot"]
    c["run_set_newline"] = [*run, "default", "--set", "offenders.count=5\nunits.patrol_car.count=1000000"]
    c["validate_policy_name_unknown"] = ["validate", "{dir}/scenario_policy_unknown.toml"]
    return c


STUDY_COMMANDS: dict[str, list[str]] = _commands()
"""Hostile command lines of the study commands by name (``{dir}``: the prepared folder)."""
