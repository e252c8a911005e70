"""A hostile corpus: scenario files and command lines a careless or hostile user could give.

Issue 17 tried 95 hostile scenario files and 59 hostile command lines on ``polsim``; this
module rebuilds them (and a few more) as data, so that every case stays a regression test
(``tests/test_hostile.py``) and ``python -m tests.hostile.tally`` can count how each ends:
refused cleanly (exit 2, one line, nothing written), accepted and ran, crashed (a traceback,
another exit code, or files left behind), or ran away (past the time limit).

Each scenario file is the default scenario with one change (``FILES``: name to TOML text);
each command line is an argument list run from a scratch folder holding those files
(``COMMANDS``: name to arguments, with ``{dir}`` for the scratch folder).
"""

from __future__ import annotations

INT64_MAX = 2**63 - 1


def _table(section: str, **fields: object) -> str:
    body = "\n".join(f"{k} = {_toml(v)}" for k, v in fields.items())
    return f"[{section}]\n{body}\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def _nested_arrays(depth: int) -> str:
    return "[time]\ndays = " + "[" * depth + "1" + "]" * depth + "\n"


def _nested_tables(depth: int) -> str:
    return "[time]\ndays = " + "{a = " * depth + "1" + "}" * depth + "\n"


def _files() -> dict[str, str]:
    f: dict[str, str] = {}
    # -- counts -----------------------------------------------------------------------------
    for n, label in ((10**12, "1e12"), (10**30, "1e30"), (INT64_MAX, "int64max"), (10**8, "1e8")):
        f[f"offenders_count_{label}"] = _table("offenders", count=n)
    f["offenders_count_negative"] = _table("offenders", count=-1)
    f["volunteers_1e9"] = _table("guardians", volunteers=10**9)
    f["volunteers_1e7"] = _table("guardians", volunteers=10**7)
    f["grid_workers_1e6"] = _table("guardians", grid_workers_per_grid=10**6)
    f["units_1e7"] = _table("units.patrol_car", count=10**7)
    f["units_crew_1e12"] = _table("units.patrol_car", count=2, crew=10**12)
    f["workstations_1e6"] = _table("city", workstations=10**6)
    f["cameras_1e9"] = _table("city", cameras=10**9)
    f["centres_1000"] = _table("city", centres=1000)
    f["hotspots_1e9"] = "[policy]\nhotspots = 1000000000\n"
    f["layer_zones_huge"] = _table("policy", layer_zones=[10**9, 10**9, 10**9])
    f["collect_every_huge"] = _table("output", collect_every=10**15)
    f["flee_steps_huge"] = _table("offenders", flee_steps=10**15)
    f["buffer_m_huge"] = _table("policy", buffer_m=10**12)
    f["backup_units_huge"] = _table("dispatch", backup_units=10**6)
    f["base_cells_many"] = "[units.patrol_car]\ncount = 1\nbase_cells = [" + ", ".join(["[1, 1]"] * 200_000) + "]\n"
    # -- rates and strengths -----------------------------------------------------------------
    f["disputes_per_day_1e12"] = _table("disputes", per_day=1e12)
    f["disputes_per_day_1e6"] = _table("disputes", per_day=1e6)
    f["residents_1e308"] = _table("city", residents_per_cell=1e308)
    f["residents_1e15"] = _table("city", residents_per_cell=1e15)
    f["a0_1e308"] = _table("field", a0_per_min=1e308)
    f["a0_zero"] = _table("field", a0_per_min=0.0)
    f["theta_1e308"] = _table("field", theta=1e308)
    f["omega_1e308"] = _table("field", omega_per_min=1e308)
    f["attractiveness_weight_1e308"] = "[field.land_use_weight]\nmarket = 1e308\n"
    f["crime_by_hour_1e308"] = _table("field", crime_by_hour=[1e308] * 24)
    f["crime_by_hour_zero"] = _table("field", crime_by_hour=[0.0] * 24)
    f["deterrence_1e308"] = _table("deterrence", police=1e308)
    f["grid_worker_deterrence_1e308"] = _table("guardians", grid_worker_deterrence=1e308)
    f["risk_aversion_1e308"] = _table("offenders", risk_aversion=1e308)
    f["jail_days_1e300"] = _table("offenders", jail_days=1e300)
    f["birth_rate_1e308"] = _table("offenders", model="short2008", short2008_birth_rate=1e308)
    f["witness_rate_1e308"] = _table("guardians", witness_rate=1e308)
    f["crime_weight_1e308"] = "[crimes.robbery]\nweight = 1e308\n"
    f["crime_weights_all_zero"] = "".join(f"[crimes.{c}]\nweight = 0.0\n" for c in
                                          ("pickpocketing", "robbery", "ebike_theft", "burglary", "assault"))
    f["crime_affinity_1e308"] = "[crimes.robbery.affinity]\npark = 1e308\n"
    f["footfall_1e308"] = _table("city", footfall_by_hour=[1e308] * 24)
    f["footfall_zero"] = _table("city", footfall_by_hour=[0.0] * 24)
    f["report_delay_1e300"] = "[crimes.robbery]\nreport_delay_min = 1e300\n"
    f["on_scene_1e300"] = "[crimes.robbery]\non_scene_min = 1e300\n"
    f["on_scene_tiny"] = "[crimes.robbery]\non_scene_min = 1e-300\n"
    f["escalate_tiny"] = _table("disputes", escalate_after_min=1e-300)
    f["mediation_1e300"] = _table("disputes", mediation_min=1e300)
    f["relay_1e300"] = _table("dispatch", relay_min=1e300)
    f["dwell_1e300"] = _table("policy", dwell_min=1e300)
    f["replan_tiny"] = _table("policy", replan_days=1e-300)
    f["cordon_min_1e300"] = _table("policy", cordon_min=1e300)
    # -- sizes -------------------------------------------------------------------------------
    f["city_5000"] = _table("city", rows=5000, cols=5000)
    f["city_1e9"] = _table("city", rows=10**9, cols=10**9)
    f["city_3_rows"] = _table("city", rows=3)
    f["cell_m_tiny"] = _table("city", cell_m=1e-300)
    f["cell_m_1e-6"] = _table("city", cell_m=1e-6)
    f["cell_m_huge"] = _table("city", cell_m=1e300)
    f["grid_cells_1"] = _table("city", rows=2000, cols=2000, grid_cells=1)
    f["arterial_every_huge"] = _table("city", arterial_every=10**15)
    # -- radii -------------------------------------------------------------------------------
    f["guardian_sight_1e12"] = _table("guardians", sight_m=1e12)
    f["unit_sight_1e12"] = _table("units.patrol_car", count=2, sight_m=1e12)
    f["unit_deter_1e12"] = _table("units.patrol_car", count=2, deter_m=1e12)
    f["unit_capture_1e12"] = _table("units.patrol_car", count=2, capture_m=1e12)
    f["camera_radius_1e12"] = _table("city", camera_radius_m=1e12)
    f["response_radius_1e300"] = _table("units.fixed_post", count=2, response_radius_m=1e300)
    f["cordon_radius_1e12"] = _table("policy", cordon_radius_m=1e12)
    f["kde_bandwidth_1e12"] = _table("policy", hotspot_method="kde", kde_bandwidth_m=1e12)
    f["speed_huge"] = _table("units.patrol_car", count=2, speed_kmh=1e300)
    # -- time --------------------------------------------------------------------------------
    f["step_minutes_1e-9"] = _table("time", step_minutes=1e-9)
    f["step_minutes_zero"] = _table("time", step_minutes=0.0)
    f["days_1e-300"] = _table("time", days=1e-300)
    f["days_1e9"] = _table("time", days=1e9)
    f["days_nan"] = "[time]\ndays = nan\n"
    f["days_inf"] = "[time]\ndays = inf\n"
    f["start_hour_99"] = _table("time", start_hour=99)
    f["shift_huge"] = _table("units.patrol_car", count=2, shift=[0, 10**12])
    # -- strings and names -------------------------------------------------------------------
    f["name_10MB"] = 'name = "' + "x" * 10_000_000 + '"\n'
    f["name_1000"] = 'name = "' + "x" * 1000 + '"\n'
    f["description_1MB"] = 'description = "' + "y" * 1_000_000 + '"\n'
    f["name_control_chars"] = 'name = "evil\\u001b[31mred\\u0007\\r\\nforged line"\n'
    f["name_abs_path"] = 'name = "/tmp/x/evil"\n'
    f["name_climbs"] = 'name = "../../escape2/evil"\n'
    f["name_empty"] = 'name = ""\n'
    f["name_dots"] = 'name = ".."\n'
    f["name_nul"] = 'name = "a\\u0000b"\n'
    f["crime_type_control_name"] = '[crimes."rob\\u001bbery"]\nweight = 1.0\n'
    f["crime_type_dotted_name"] = '[crimes."a.b"]\nweight = 1.0\n'
    f["many_crime_types"] = "".join(f"[crimes.c{i}]\nweight = 1.0\n" for i in range(5000))
    f["many_unit_types"] = "".join(f'[units.u{i}]\nkind = "patrol_car"\ncount = 1\n' for i in range(5000))
    f["code_letters"] = _table("city", code="abcdef")
    # -- structure ---------------------------------------------------------------------------
    f["nested_arrays_100k"] = _nested_arrays(100_000)
    f["nested_arrays_500"] = _nested_arrays(500)
    f["nested_tables_100k"] = _nested_tables(100_000)
    f["nested_tables_500"] = _nested_tables(500)
    f["not_toml"] = "this is [not toml\n"
    f["binary"] = "\x00\x01\x02garbage"
    f["empty"] = ""
    f["unknown_section"] = _table("aliens", count=3)
    f["wrong_type_table"] = 'city = "big"\n'
    f["units_not_table"] = "units = 5\n"
    # -- land use and no-crime cities --------------------------------------------------------
    f["land_use_all_zero"] = _table("city.land_use", residential=0.0, commercial=0.0, market=0.0, school=0.0,
                                    park=0.0, transit=0.0, blocked=0.0)
    f["land_use_sum_2"] = _table("city.land_use", residential=1.0, commercial=1.0)
    f["land_use_blocked_half"] = _table("city.land_use", blocked=0.5)
    f["land_use_weight_all_zero"] = _table("field.land_use_weight", residential=0.0, commercial=0.0,
                                           market=0.0, school=0.0, park=0.0, transit=0.0)
    f["offenders_zero"] = _table("offenders", count=0)
    return f


FILES: dict[str, str] = _files()
"""Hostile scenario files by name (TOML text; the default scenario with one change)."""


def _commands() -> dict[str, list[str]]:
    c: dict[str, list[str]] = {}
    run = ["run", "default", "--steps", "30", "--no-progress"]
    # -- --out -----------------------------------------------------------------------------
    c["out_existing_file"] = [*run, "--out", "{dir}/afile"]
    c["out_under_file"] = [*run, "--out", "{dir}/afile/sub"]
    c["out_dev_null"] = [*run, "--out", "/dev/null"]
    c["out_under_proc"] = [*run, "--out", "/proc/polsim-out"]
    c["out_under_dev_null"] = [*run, "--out", "/dev/null/x"]
    c["out_empty"] = [*run, "--out", ""]
    c["out_readonly_dir"] = [*run, "--out", "{dir}/readonly/sub"]
    # -- --policy --------------------------------------------------------------------------
    c["policy_raises_at_import"] = [*run, "--policy", "badpols.boom:P", "--out", "{dir}/o"]
    c["policy_ctor_raises"] = [*run, "--policy", "badpols.ctor:Raises", "--out", "{dir}/o"]
    c["policy_needs_args"] = [*run, "--policy", "badpols.ctor:NeedsArgs", "--out", "{dir}/o"]
    c["policy_combined"] = [*run, "--policy", "polsim.policies.combined:Combined", "--out", "{dir}/o"]
    c["policy_not_a_class"] = [*run, "--policy", "os:sep", "--out", "{dir}/o"]
    c["policy_main"] = [*run, "--policy", "polsim.__main__:X", "--out", "{dir}/o"]
    c["policy_this"] = [*run, "--policy", "this:X", "--out", "{dir}/o"]
    c["policy_syntax_error"] = [*run, "--policy", "badpols.syntax:P", "--out", "{dir}/o"]
    c["policy_exits"] = [*run, "--policy", "badpols.exits:P", "--out", "{dir}/o"]
    c["policy_fails_in_run"] = [*run, "--policy", "badpols.fails:P", "--out", "{dir}/o"]
    c["policy_empty"] = [*run, "--policy", "", "--out", "{dir}/o"]
    c["policy_colon_only"] = [*run, "--policy", ":", "--out", "{dir}/o"]
    c["policy_plus_only"] = [*run, "--policy", "+", "--out", "{dir}/o"]
    c["policy_relative"] = [*run, "--policy", ".x:Y", "--out", "{dir}/o"]
    # -- numbers ---------------------------------------------------------------------------
    c["days_1e-300"] = ["run", "default", "--days", "1e-300", "--no-progress", "--out", "{dir}/o"]
    c["days_inf"] = ["run", "default", "--days", "inf", "--no-progress", "--out", "{dir}/o"]
    c["days_nan"] = ["run", "default", "--days", "nan", "--no-progress", "--out", "{dir}/o"]
    c["days_word"] = ["run", "default", "--days", "many", "--out", "{dir}/o"]
    c["steps_huge"] = ["run", "default", "--steps", str(10**30), "--no-progress", "--out", "{dir}/o"]
    c["steps_zero"] = ["run", "default", "--steps", "0", "--out", "{dir}/o"]
    c["steps_float"] = ["run", "default", "--steps", "1.5", "--out", "{dir}/o"]
    c["seed_huge"] = [*run, "--seed", str(10**40), "--out", "{dir}/o"]
    c["seed_negative"] = [*run, "--seed", "-1", "--out", "{dir}/o"]
    c["set_no_equals"] = [*run, "--set", "offenders.count", "--out", "{dir}/o"]
    c["set_empty_key"] = [*run, "--set", "=3", "--out", "{dir}/o"]
    c["set_deep_key"] = [*run, "--set", "a." * 5000 + "b=1", "--out", "{dir}/o"]
    c["set_huge_count"] = [*run, "--set", "offenders.count=1000000000000", "--out", "{dir}/o"]
    c["set_nested_value"] = [*run, "--set", "time.days=" + "[" * 50_000 + "]" * 50_000, "--out", "{dir}/o"]
    c["set_value_on_value"] = [*run, "--set", "time.days.x=1", "--out", "{dir}/o"]
    c["set_sight_1e12"] = [*run, "--set", "guardians.sight_m=1e12", "--out", "{dir}/o"]
    # -- arguments -------------------------------------------------------------------------
    c["no_command"] = []
    c["unknown_command"] = ["fly"]
    c["unknown_option"] = ["run", "default", "--fast"]
    c["missing_scenario"] = ["run"]
    c["bad_backend"] = ["run", "default", "--backend", "gpu"]
    c["scenario_missing"] = ["run", "{dir}/nothere.toml", "--out", "{dir}/o"]
    c["scenario_is_dir"] = ["run", "{dir}", "--out", "{dir}/o"]
    c["scenario_dev_zero"] = ["run", "/dev/zero", "--out", "{dir}/o"]
    c["scenario_huge"] = ["run", "{dir}/huge.toml", "--out", "{dir}/o"]
    c["port_huge"] = ["ui", "--port", "99999"]
    # -- validate --------------------------------------------------------------------------
    c["validate_dev_zero"] = ["validate", "/dev/zero"]
    c["validate_dev_urandom"] = ["validate", "/dev/urandom"]
    c["validate_huge"] = ["validate", "{dir}/huge.toml"]
    c["validate_dir"] = ["validate", "{dir}"]
    c["validate_unreadable"] = ["validate", "{dir}/unreadable.toml"]
    c["validate_latin1"] = ["validate", "{dir}/latin1.toml"]
    c["validate_sight_1e12"] = ["validate", "default", "--set", "guardians.sight_m=1e12"]
    c["validate_offenders_1e12"] = ["validate", "default", "--set", "offenders.count=1000000000000"]
    c["validate_max_memory_bad"] = ["validate", "default", "--max-memory", "-1"]
    c["validate_max_memory_word"] = ["validate", "default", "--max-memory", "lots"]
    return c


COMMANDS: dict[str, list[str]] = _commands()
"""Hostile command lines by name (``{dir}``: the scratch folder :func:`prepare` fills)."""

BAD_POLICIES = {
    "__init__.py": "",
    "boom.py": "raise RuntimeError('boom at import')\n",
    "syntax.py": "def (:\n",
    "exits.py": "import sys\nsys.exit(3)\n",
    "fails.py": (
        "from polsim.policies import Policy\n\n"
        "class P(Policy):\n    name = 'fails'\n\n"
        "    def patrol_targets(self, model, units, u):\n        raise RuntimeError('lost the map')\n"
    ),
    "ctor.py": (
        "from polsim.policies import Policy\n\n"
        "class Raises(Policy):\n    name = 'raises'\n\n"
        "    def __init__(self, dispatch=None):\n        raise RuntimeError('no')\n\n"
        "class NeedsArgs(Policy):\n    name = 'needs'\n\n"
        "    def __init__(self, depth, dispatch=None):\n        super().__init__(dispatch)\n"
    ),
}
"""A package ``badpols`` of policy modules that fail in every way a user's module can."""


def prepare(folder) -> None:
    """Fill ``folder`` with what the command lines refer to: a file, a read-only folder, the
    ``badpols`` package, a huge file, an unreadable one, one in Latin-1."""
    import os
    from pathlib import Path

    folder = Path(folder)
    (folder / "afile").write_text("not a folder\n")
    (folder / "readonly").mkdir(exist_ok=True)
    os.chmod(folder / "readonly", 0o555)
    pkg = folder / "badpols"
    pkg.mkdir(exist_ok=True)
    for name, text in BAD_POLICIES.items():
        (pkg / name).write_text(text)
    with open(folder / "huge.toml", "wb") as fh:
        fh.write(b"# padding\n" * 300_000)  # 3 MB of comments: valid TOML, past any scenario
    (folder / "unreadable.toml").write_text("name = 'x'\n")
    os.chmod(folder / "unreadable.toml", 0)
    (folder / "latin1.toml").write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
