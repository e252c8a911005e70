"""Every hostile scenario file and command line of issue 17 (``tests/hostile/corpus.py``), each
held to its outcome: refused with the one-line error naming what is wrong (exit 2, nothing
written, and ``validate`` refusing what ``run`` refuses), or run to its results; and every hostile
import command line of issue 26 (``tests/hostile/imports.py``) the same way."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from polsim.cli import main
from polsim.output import is_complete
from tests.hostile.corpus import COMMANDS, FILES, prepare
from tests.hostile.imports import IMPORT_COMMANDS, IMPORT_OUTCOMES, prepare_imports

ACCEPTED = {"a0_zero", "crime_by_hour_zero", "on_scene_tiny", "escalate_tiny", "name_abs_path", "name_climbs",
            "name_empty", "name_dots", "empty", "land_use_blocked_half", "land_use_weight_all_zero", "offenders_zero"}
"""Files that are fair to accept: odd but meaningful (a city with no crime is the queueing
validation's; a name that looks like a path is only a label)."""

NO_CRIME = {"a0_zero", "crime_by_hour_zero", "land_use_weight_all_zero", "offenders_zero"}
"""Accepted files that run with a warning: no crime can happen in them."""

REFUSED_BY = {
    "base_cells_many": "larger than 1 MiB", "name_10MB": "larger than 1 MiB",
    "crime_weights_all_zero": "crimes: every crime type has weight 0",
    "footfall_zero": "city.footfall_by_hour: all zero", "days_1e-300": "time.days: 1e-300 days is",
    "city_5000": "city: 5000 x 5000 = 25,000,000 cells", "grid_cells_1": "city: 4,000,000 comprehensive grids",
    "nested_arrays_100k": "nest too deeply", "nested_arrays_500": "nest too deeply",
    "nested_tables_100k": "nest too deeply", "nested_tables_500": "nest too deeply",
    "not_toml": "not valid TOML", "binary": "not valid TOML", "unknown_section": "aliens: unknown field",
    "wrong_type_table": "city: must be a table", "units_not_table": "units: must be a table of tables",
    "land_use_all_zero": "city.land_use.residential: residential land is what the other uses leave",
    "land_use_sum_2": "city.land_use: shares add up to 2.000", "many_crime_types": "crimes: must have at most 32",
    "many_unit_types": "units: must have at most 32",
    "crime_type_control_name": "crimes.'rob\\x1bbery': must be a name",
    "crime_type_dotted_name": "crimes.'a.b': must be a name", "name_control_chars": "name: must be printable text",
    "name_nul": "name: must be printable text", "name_1000": "name: must be at most 100 characters",
    "description_1MB": "description: must be at most 500 characters", "code_letters": "city.code: must be a string",
}
"""What the error says for files refused by a rule other than one field's bound (the rest must
name their field: ``offenders_count_1e12`` is refused at ``offenders.count``)."""

FIELD_OF = {
    "offenders_count": "offenders.count", "volunteers": "guardians.volunteers",
    "grid_workers": "guardians.grid_workers_per_grid", "units_1e7": "units.patrol_car.count",
    "units_crew": "units.patrol_car.crew", "workstations": "city.workstations", "cameras": "city.cameras",
    "centres": "city.centres", "hotspots": "policy.hotspots", "layer_zones": "policy.layer_zones[0]",
    "collect_every": "output.collect_every", "flee_steps": "offenders.flee_steps",
    "buffer_m": "policy.buffer_m", "backup_units": "dispatch.backup_units",
    "disputes_per_day": "disputes.per_day", "residents": "city.residents_per_cell", "a0_1e308": "field.a0_per_min",
    "theta": "field.theta", "omega": "field.omega_per_min", "attractiveness_weight": "field.land_use_weight.market",
    "crime_by_hour_1e308": "field.crime_by_hour[0]", "deterrence_1e308": "deterrence.police",
    "grid_worker_deterrence": "guardians.grid_worker_deterrence", "risk_aversion": "offenders.risk_aversion",
    "jail_days": "offenders.jail_days", "birth_rate": "offenders.short2008_birth_rate",
    "witness_rate": "guardians.witness_rate", "crime_weight_1e308": "crimes.robbery.weight",
    "crime_affinity": "crimes.robbery.affinity.park", "footfall_1e308": "city.footfall_by_hour[0]",
    "report_delay": "crimes.robbery.report_delay_min", "on_scene_1e300": "crimes.robbery.on_scene_min",
    "mediation": "disputes.mediation_min", "relay": "dispatch.relay_min", "dwell": "policy.dwell_min",
    "replan_tiny": "policy.replan_days", "cordon_min": "policy.cordon_min", "city_1e9": "city.rows",
    "city_3_rows": "city.rows", "cell_m": "city.cell_m", "arterial_every": "city.arterial_every",
    "guardian_sight": "guardians.sight_m", "unit_sight": "units.patrol_car.sight_m",
    "unit_deter": "units.patrol_car.deter_m", "unit_capture": "units.patrol_car.capture_m",
    "camera_radius": "city.camera_radius_m", "response_radius": "units.fixed_post.response_radius_m",
    "cordon_radius": "policy.cordon_radius_m", "kde_bandwidth": "policy.kde_bandwidth_m",
    "speed_huge": "units.patrol_car.speed_kmh", "step_minutes": "time.step_minutes", "days_1e9": "time.days",
    "days_nan": "time.days: must be a finite number", "days_inf": "time.days: must be a finite number",
    "start_hour": "time.start_hour", "shift_huge": "units.patrol_car.shift[1]",
}


def expected_error(name: str) -> str:
    """The words a refused file's error must hold."""
    if name in REFUSED_BY:
        return REFUSED_BY[name]
    field = next(f for prefix, f in FIELD_OF.items() if name.startswith(prefix))
    return field if ":" in field else f"{field}: must be "


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A scratch folder as the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # policy loading puts the folder on the path
    return tmp_path


@pytest.fixture
def prepared(scratch):
    """The scratch folder, holding what the command lines refer to."""
    prepare(scratch)
    yield scratch
    os.chmod(scratch / "readonly", 0o755)


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and err.splitlines() == [err], err
    return err


def test_the_corpus_is_the_issues():
    assert len(FILES) >= 95 and len(COMMANDS) >= 50
    assert set(ACCEPTED) <= set(FILES) and set(REFUSED_BY) <= set(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_hostile_file(name, scratch, capsys):
    path = scratch / f"{name}.toml"
    path.write_bytes(FILES[name].encode("utf-8", "surrogatepass"))
    out = scratch / "out"
    if name not in ACCEPTED:
        words = expected_error(name)
        assert main(["validate", str(path)]) == 2
        said = _one_line(capsys)
        assert words in said, said
        assert main(["run", str(path), "--out", str(out), "--steps", "5", "--no-progress"]) == 2
        assert _one_line(capsys) == said and not out.exists()
        return
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path), "--out", str(out), "--steps", "5", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert is_complete(out) and "Traceback" not in err
    assert ("no crime can happen" in err) == (name in NO_CRIME), err


ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0
"""Root writes into read-only folders and reads unreadable files: those two cases run."""

COMMAND_OUTCOMES = {
    "out_existing_file": "exists and is not a folder", "out_under_file": "is a file, not a folder",
    "out_dev_null": "a system folder", "out_under_proc": "a system folder", "out_under_dev_null": "a system folder",
    "out_empty": "must not be empty", "out_readonly_dir": None if ROOT_USER else "cannot write in",
    "policy_raises_at_import": "cannot be loaded: RuntimeError: boom at import",
    "policy_ctor_raises": "cannot be built without arguments: RuntimeError: no",
    "policy_needs_args": "cannot be built without arguments: TypeError",
    "policy_combined": "cannot be built without arguments: TypeError",
    "policy_not_a_class": "is not a polsim.policies.Policy subclass",
    "policy_main": "polsim.__main__ is polsim's command line", "policy_this": "cannot be loaded: AttributeError",
    "policy_syntax_error": "cannot be loaded: SyntaxError", "policy_exits": "it exits while loading",
    "policy_fails_in_run": "--policy badpols.fails:P: failed at fails.py:7: RuntimeError: lost the map",
    "policy_empty": "unknown policy ''", "policy_colon_only": "must be package.module:Class",
    "policy_plus_only": "unknown policy ''", "policy_relative": "must be package.module:Class",
    "days_1e-300": "--days 1e-300: time.days: 1e-300 days is", "days_inf": "--days inf: time.days: must be a finite",
    "days_nan": "--days nan: time.days: must be a finite", "days_word": "invalid float value: 'many'",
    "steps_huge": "--steps must be <= 10,000,000", "steps_zero": "--steps must be > 0",
    "steps_float": "invalid int value: '1.5'", "seed_huge": "--seed must be in 0..2**63-1",
    "seed_negative": "--seed must be >= 0", "set_no_equals": "must be key=value", "set_empty_key": "must be key=value",
    "set_deep_key": "more than 8 parts", "set_huge_count": "offenders.count: must be <= 10000000",
    "set_nested_value": "nests too deeply", "set_value_on_value": "time.days: is a value, not a table",
    "set_sight_1e12": "guardians.sight_m: must be <= 1000", "no_command": "required: COMMAND",
    "unknown_command": "invalid choice: 'fly'", "unknown_option": "unrecognized arguments: --fast",
    "missing_scenario": "required: scenario", "bad_backend": "invalid choice: 'gpu'",
    "scenario_missing": "file not found", "scenario_is_dir": "is a folder, not a scenario file",
    "scenario_dev_zero": "larger than 1 MiB", "scenario_huge": "larger than 1 MiB",
    "port_huge": "--port must be in 0..65535", "validate_dev_zero": "larger than 1 MiB",
    "validate_dev_urandom": "larger than 1 MiB", "validate_huge": "larger than 1 MiB",
    "validate_dir": "is a folder", "validate_unreadable": None if ROOT_USER else "cannot read",
    "validate_latin1": "not UTF-8 text", "validate_sight_1e12": "guardians.sight_m: must be <= 1000",
    "validate_offenders_1e12": "offenders.count: must be <= 10000000",
    "validate_max_memory_bad": "must be a positive number of GiB", "validate_max_memory_word": "must be a number",
}
"""What each command line's error says (``None``: it runs)."""


def test_every_command_has_an_outcome():
    assert set(COMMAND_OUTCOMES) == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_hostile_command(name, prepared, capsys):
    args = [a.replace("{dir}", str(prepared)) for a in COMMANDS[name]]
    out = prepared / "o"
    words = COMMAND_OUTCOMES[name]
    code = main(args)
    if words is None:
        assert code == 0, capsys.readouterr().err
        return
    assert code == 2
    said = _one_line(capsys)
    assert words in said, said
    assert not out.exists()


# -- the import commands (issue 26): tests/hostile/imports.py -----------------------------------

@pytest.fixture(scope="module")
def import_inputs(tmp_path_factory):
    """A scratch folder holding every import case's inputs (made once: it imports a city)."""
    folder = tmp_path_factory.mktemp("imports")
    prepare_imports(folder)
    return folder


def _outputs(folder) -> list:
    """What an import case may have written: its output, a sidecar, hidden temporary files."""
    return sorted(p.name for p in folder.iterdir() if p.name in ("o", "o.parquet", "o.meta.json")
                  or p.name.startswith((".o.", ".o.parquet.", ".o.meta.json.")))


def test_every_import_case_has_an_outcome():
    assert set(IMPORT_OUTCOMES) == set(IMPORT_COMMANDS) and len(IMPORT_COMMANDS) >= 40


ACCEPTED_IMPORTS = {
    "city_half_nodes": lambda out, said: "ways lost nodes the file does not hold" in said,
    "city_bbox_negative": lambda out, said: (out / "city.json").is_file(),
    "data_lon_200": lambda out, said: _statuses(out) == {"bad_location": 1, "ok": 1},
    "data_lon_past_180": lambda out, said: _statuses(out) == {"bad_location": 1, "ok": 1},
    "data_duplicates": lambda out, said: _statuses(out) == {"duplicate": 1, "ok": 2} and "duplicates: 1" in said,
    "data_same_file_twice": lambda out, said: _statuses(out) == {"ok": 2} and "read once" in said,
    "data_disturbance_to_dispute": lambda out, said: _types(out) == {"dispute": 1, "robbery": 1},
}
"""What an import that runs must have done beyond exit 0 (the words it says, the table it wrote)."""


def _table(out):
    from polsim.data.store import read_records

    return read_records(out.with_suffix(".parquet")).table


def _statuses(out) -> dict:
    return _table(out)["status"].value_counts().to_dict()


def _types(out) -> dict:
    t = _table(out)
    return t.loc[t["status"] == "ok", "type"].value_counts().to_dict()


@pytest.mark.parametrize("name", sorted(IMPORT_COMMANDS))
def test_hostile_import(name, import_inputs, capsys, monkeypatch):
    monkeypatch.chdir(import_inputs)
    monkeypatch.setenv("POLSIM_CACHE_DIR", str(import_inputs / "cache"))
    args = [a.replace("{dir}", str(import_inputs)) for a in IMPORT_COMMANDS[name]]
    words = IMPORT_OUTCOMES[name]
    try:
        code = main(args)
        if words is None:
            captured = capsys.readouterr()
            assert code == 0, captured.err
            assert "Traceback" not in captured.err
            check = ACCEPTED_IMPORTS.get(name)
            assert check is None or check(import_inputs / "o", captured.out + captured.err), captured.out
            return
        assert code == 2
        said = _one_line(capsys)
        assert words in said, said
        assert _outputs(import_inputs) == []
    finally:
        for leftover in _outputs(import_inputs):
            path = import_inputs / leftover
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
