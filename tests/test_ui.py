"""The UI's parts that need no browser: settings to model, map raster, clicks, compare, CLI."""

from __future__ import annotations

import numpy as np
import pytest

from polsim.cli import build_parser, main
from polsim.engine.units import PATROLLING
from polsim.scenario import LAND_USES, ScenarioError
from polsim.viz.ui import raster
from polsim.viz.ui.compare import compare
from polsim.viz.ui.details import cell_details, click_details, unit_near
from polsim.viz.ui.runner import Runner, clock_text
from polsim.viz.ui.session import CUSTOM, Settings, build_model, shipped_scenarios

SMALL_TOML = """
name = "tiny"
[time]
days = 0.1
[city]
rows = 20
cols = 24
[offenders]
count = 40
[units.patrol_car]
count = 3
[units.drone]
count = 1
"""


def test_sliders_reach_the_model():
    s = Settings(units={"patrol_car": 4, "drone": 0}, offenders=120, deterrence=0.5, replan_days=2.0,
                 dispatch="zone", seed=9)
    m = build_model(s)
    counts = dict(zip(m.units.type_names, np.bincount(m.units.type_idx, minlength=len(m.units.type_names)),
                      strict=True))
    assert counts["patrol_car"] == 4 and counts["drone"] == 0
    assert len(m.offenders) == 120
    assert m.spec.deterrence.police == 0.5 and m.spec.policy.replan_days == 2.0
    assert m.spec.dispatch.rule == "zone" and m.seed == 9 and m.backend.name == "numba"


def test_pasted_toml_builds_its_city():
    m = build_model(Settings(scenario=CUSTOM, toml_text=SMALL_TOML))
    assert (m.city.rows, m.city.cols, m.spec.name, len(m.units)) == (20, 24, "tiny", 4)


@pytest.mark.parametrize(("text", "message"), [
    ("[offenders]\ncount = -5\n", "pasted.toml: offenders.count: must be >= 0, got -5"),
    ("[city]\nrows = 'ten'\n", "pasted.toml: city.rows: must be an integer, got 'ten'"),
    ("[nonsense]\n", "pasted.toml: nonsense: unknown field; allowed:"),
    ("[city\nrows = 3", "pasted.toml: not valid TOML:"),
])
def test_bad_toml_is_one_line_naming_the_pasted_file(text, message):
    with pytest.raises(ScenarioError) as err:
        build_model(Settings(scenario=CUSTOM, toml_text=text))
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_uploaded_file_keeps_its_name_and_bad_policy_is_one_line():
    with pytest.raises(ScenarioError, match=r"^mine\.toml: offenders\.count"):
        build_model(Settings(scenario=CUSTOM, toml_text="[offenders]\ncount = -1\n", toml_name="mine.toml"))
    with pytest.raises(ValueError, match="unknown policy 'nope'"):
        build_model(Settings(policy="nope"))


def test_rebuild_failure_keeps_the_old_model():
    runner = Runner()
    runner.step(3)
    old = runner.model
    with pytest.raises(ScenarioError):
        runner.rebuild(runner.settings.replace(offenders=-1))
    assert runner.model is old and runner.model.steps == 3
    assert clock_text(runner.model) == "Step 3 · day 1 00:03"


def test_shipped_scenarios_start_with_default():
    assert shipped_scenarios()[0] == "default"


@pytest.fixture(scope="module")
def model():
    m = build_model(Settings(scenario=CUSTOM, toml_text=SMALL_TOML, seed=3))
    m.run(90)
    return m


def test_map_geometry_and_clicks_invert(model):
    px = raster.cell_pixels(model.city.rows, model.city.cols)
    img = raster.render_map(model)
    assert img.size == (model.city.cols * px, model.city.rows * px)
    for r in range(model.city.rows):
        for c in range(model.city.cols):
            assert raster.cell_at(model, (c + 0.5) / model.city.cols, (r + 0.5) / model.city.rows) == (r, c)
    assert raster.cell_at(model, 1.0, 0.5) is None


def test_land_use_layer_and_blocked_cells(model):
    rgb = raster.layer_rgb(model, "land use")
    for code, name in enumerate(LAND_USES):
        if (model.city.land_use == code).any():
            assert (rgb[model.city.land_use == code] == raster.LAND_USE_RGB[name]).all()
    for layer in raster.LAYERS[1:]:
        other = raster.layer_rgb(model, layer)
        assert (other[~model.city.passable] == raster.LAND_USE_RGB["blocked"]).all()
    crimes = raster.layer_values(model, "crime so far")
    assert crimes.sum() == model.metrics.crimes_by_cell.sum()


def test_units_drawn_in_their_state_colour(model):
    img = np.asarray(raster.render_map(model))
    px = raster.cell_pixels(model.city.rows, model.city.cols)
    u = model.units
    j = int(np.flatnonzero(u.state == PATROLLING)[0])
    centre = img[int((u.r[j] + 0.5) * px), int((u.c[j] + 0.5) * px)]
    assert tuple(centre) == raster.STATE_RGB["patrolling"]


def test_treated_outline_is_the_edge_only():
    mask = np.zeros((6, 6), bool)
    mask[2:4, 2:4] = True
    edge = raster._outline(mask, 4)
    assert edge[8:16, 8:16].sum() == 64 - 16  # a 2-pixel ring of an 8 x 8 block
    assert not edge[10:14, 10:14].any() and not edge[:8].any()


def test_click_details(model):
    j = 0
    picked = click_details(model, int(model.units.r[j]), int(model.units.c[j]))
    assert picked["unit"].startswith("#") and picked["type"] in model.units.type_names
    cell = np.unravel_index(np.argmax(model.metrics.crimes_by_cell.sum(0)), (model.city.rows, model.city.cols))
    r, c = int(cell[0]), int(cell[1])
    d = cell_details(model, r, c)
    assert d["grid code"] == model.city.grid_code(r, c)
    assert d["crimes"].split()[0] == str(model.metrics.crimes_by_cell[:, r, c].sum())
    assert unit_near(model, -10, -10) == -1


def test_compare_same_policy_same_seed_is_identical():
    c = compare(Settings(scenario=CUSTOM, toml_text=SMALL_TOML, seed=2), "random", "random", 0.1)
    a, b = c.headlines()
    assert {k: v for k, v in a.items() if k != "side"} == {k: v for k, v in b.items() if k != "side"}
    assert c.wdq is None and c.verdict.startswith("undefined")  # random patrol treats no cells
    assert a["crimes.total"] == c.runs[0][0].summary["crimes"]["total"]


def test_cli_defaults_and_bad_port(capsys):
    args = build_parser().parse_args(["ui"])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    assert main(["ui", "--port", "70000"]) == 2
    assert capsys.readouterr().err.strip() == "polsim: error: --port must be in 0..65535, got 70000"


def test_response_circles_layer_is_the_free_units_field_in_bands(model):
    from polsim.coverage.fields import Standing, minutes_field

    rgb = raster.layer_rgb(model, "response circles")
    u = model.units
    free = np.flatnonzero(u.available(model.spec.dispatch.return_to_base) & model.on_duty())
    minutes = minutes_field(model.router, Standing(free, u.r[free], u.c[free]), model.city.congestion(model.hour))
    open_cells = model.city.passable
    for k, (limit, colour) in enumerate(zip(raster.CIRCLE_MINUTES, raster.CIRCLE_RGB, strict=True)):
        inner = raster.CIRCLE_MINUTES[k - 1] if k else -1.0
        band = open_cells & (minutes > inner) & (minutes <= limit)
        assert band.any() and (rgb[band] == colour).all()
    assert (rgb[open_cells & (minutes > raster.CIRCLE_MINUTES[-1])] == raster.BEYOND_RGB).all()
