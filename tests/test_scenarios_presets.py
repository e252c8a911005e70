"""The seed-city presets load, run, and say what they are; `polsim scenarios` and `polsim validate`."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import numpy as np
import pytest

from polsim import PolicingModel
from polsim.cli import main
from polsim.scenario import SCENARIO_DIR, load_spec

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


@pytest.mark.parametrize("name", ("default", *PRESETS))
def test_preset_forces_are_spread_not_stacked_on_one_base(name):
    """No two units of a type share a base while a base of their kind stands free.

    A preset with one workstation put all of Nanning's motorcycle squads and all four booth
    posts on one cell (and, under zone patrol, in one station area).
    """
    m = PolicingModel(name, seed=1, overrides={"time.days": 0.01})
    u = m.units
    for t, ut in enumerate(u.types):
        who = u.type_idx == t
        cells = set(zip(u.base_r[who].tolist(), u.base_c[who].tolist(), strict=True))
        available = len(np.unique(m.city.bases[ut.base], axis=0)) if not ut.base_cells else len(ut.base_cells)
        assert len(cells) == min(int(who.sum()), available), (u.type_names[t], len(cells), available)


def test_nanning_squads_cover_every_station_area_and_each_booth_post_has_its_own_site():
    for name in ("nanning_2018_before", "nanning_2019_after"):
        m = PolicingModel(name, seed=1, overrides={"time.days": 0.01})
        u, areas = m.units, int(m.city.station_id.max()) + 1
        squads = u.type_idx == u.type_names.index("motorcycle_squad")
        assert set(u.zone[squads].tolist()) == set(range(areas)), name
        counts = np.bincount(u.zone[squads], minlength=areas)
        assert counts.max() - counts.min() <= 1, (name, counts)
    posts = u.type_idx == u.type_names.index("fixed_post")
    assert len(set(zip(u.base_r[posts].tolist(), u.base_c[posts].tolist(), strict=True))) == posts.sum() == 4
