"""The seed-city presets load, run, and say what they are; `polsim scenarios` and `polsim validate`."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest

from sim import PolicingModel
from sim.cli import main
from sim.scenario import SCENARIO_DIR, load_spec

PRESETS = ("nantong", "nanning_2018_before", "nanning_2019_after", "wuxi", "yancheng", "guian")


@pytest.fixture
def polsim(capsys):
    """``polsim ARGS`` through the real entry point: exit code, stdout, stderr."""
    def call(*args: str) -> SimpleNamespace:
        code = main(list(args))
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)
    return call


@pytest.mark.parametrize("name", PRESETS)
def test_preset_loads_runs_and_quotes_its_report(name):
    spec, source = load_spec(name)
    assert spec.name == name and source.endswith(f"{name}.toml")
    assert spec.description and "\n" not in spec.description
    text = (SCENARIO_DIR / f"{name}.toml").read_text(encoding="utf-8")
    assert "What the report gives" in text or "What the report says" in text
    assert "Scaling" in text  # every preset says how the report's forces were scaled
    m = PolicingModel(name, policy="random", seed=1, overrides={"time.days": 0.02})
    m.run()
    units = sum(u.count for u in spec.units.values())
    assert len(m.units) == units and m.summary()["steps"] == round(0.02 * 1440)


def test_presets_carry_the_reports_forces():
    """The scaled forces follow the figures quoted in the files' comments."""
    nantong = load_spec("nantong")[0]
    city = nantong.city
    grids = (city.rows // city.grid_cells) * (city.cols // city.grid_cells)
    districts = (city.rows // (city.grid_cells * city.station_grids)) ** 2
    assert nantong.guardians.grid_workers_per_grid == 1                  # 9,162 workers, 9,162 grids
    assert nantong.units["community_officer"].count == districts        # one district, one officer
    assert nantong.guardians.volunteers == round(63_000 * grids / 9_162)
    before, after = load_spec("nanning_2018_before")[0], load_spec("nanning_2019_after")[0]

    def street_officers(spec):
        street = ("patrol_car", "strike_vehicle", "motorcycle_squad")
        return sum(spec.units[k].count * spec.units[k].crew for k in street)

    assert street_officers(after) == 1_800 // 20                        # 1,800 a day, scaled 1/20
    assert street_officers(after) == pytest.approx(1.5 * street_officers(before), rel=0.01)  # +50%
    assert after.policy.layer_zones == [max(1, round(n / 20)) for n in (11, 31, 148)]  # 11/31/148
    guian = load_spec("guian")[0]
    assert guian.units["grid_police"].count == 3 and guian.units["grid_police"].crew == 4  # 1 + 3


def test_polsim_scenarios_lists_every_shipped_scenario_on_one_line(polsim):
    done = polsim("scenarios")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    shipped = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
    assert [line.split()[0] for line in lines] == shipped
    for line in lines:
        name = line.split()[0]
        spec = load_spec(name)[0]
        assert re.search(rf"{spec.city.rows}x{spec.city.cols} cells", line)
        assert f"{sum(u.count for u in spec.units.values())} units" in line
        assert line.endswith(spec.description)


def test_polsim_validate_says_ok_or_gives_the_one_line_error(tmp_path, polsim):
    ok = polsim("validate", str(SCENARIO_DIR / "guian.toml"))
    assert ok.returncode == 0 and ok.stdout.startswith("OK ") and not ok.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[units.patrol_car]\ncount = -1\n', encoding="utf-8")
    done = polsim("validate", str(bad))
    assert done.returncode == 2 and not done.stdout
    assert done.stderr.strip() == f"polsim: error: {bad}: units.patrol_car.count: must be >= 0, got -1"
    assert polsim("validate", "nantong", "--set", "policy.cordon_crimes=['theft']").returncode == 2
    missing = polsim("validate", str(tmp_path / "none.toml"))
    assert missing.returncode == 2 and "file not found" in missing.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", PRESETS)
def test_a_seven_day_preset_run_takes_well_under_a_minute(name):
    started = time.perf_counter()
    PolicingModel(name, seed=1).run()
    assert time.perf_counter() - started < 60
