"""The polsim web UI, a Solara page: ``polsim ui`` serves it (``solara run polsim.viz.app`` works too).

Sidebar: scenario (shipped, or TOML pasted or uploaded), policy, seed, the key parameters,
and play / pause / step / reset with a speed. Main area: the map (switchable layer, units by
type and state, open incidents with lines to the units on their way, treated cells
outlined; a click shows the cell or unit), the live charts, and compare mode (two policies
on the same seed). Mesa serves the units-busy chart (its ``PlotMatplotlib`` over the model's
``DataCollector``) and the chart refresh signal; the rest is custom, because ``SolaraViz``
rebuilds models from keyword sliders only and has no place for a scenario file or its errors.

Every reactive value below is per browser session (Solara keeps one copy per kernel).
"""

from __future__ import annotations

import base64
import html
import io
import json
import time
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")  # server side only: no display

import matplotlib.pyplot as plt  # noqa: E402
import solara  # noqa: E402
import solara.lab  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from mesa.visualization.components.matplotlib_components import PlotMatplotlib  # noqa: E402
from mesa.visualization.utils import force_update, update_counter  # noqa: E402

from polsim.scenario import ScenarioError  # noqa: E402
from polsim.scenario.schema import ScenarioSpec  # noqa: E402
from polsim.viz.ui import charts, details, raster  # noqa: E402
from polsim.viz.ui.compare import Comparison, compare  # noqa: E402
from polsim.viz.ui.runner import Runner, clock_text, model_identity  # noqa: E402
from polsim.viz.ui.session import CUSTOM, PASTED_NAME, Settings, policy_names, shipped_scenarios  # noqa: E402

CHART_SECONDS = 2.0
"""While playing, charts are redrawn at most this often (the map is redrawn every frame)."""
CHART_SHARE = 0.2
"""While playing, chart redraws take at most this share of the time."""

error = solara.reactive("")
frame = solara.reactive(0)
"""Bumped after every step: the map and the clock redraw (and nothing else, to keep frames cheap)."""
version = solara.reactive(0)
"""Bumped after every rebuild of the model: the whole page redraws."""
playing = solara.reactive(False)
steps_per_frame = solara.reactive(1)
delay_ms = solara.reactive(0)
map_options = solara.reactive(raster.MapOptions())
clicked = solara.reactive({})
toml_text = solara.reactive("")
mode = solara.reactive("Explore")
comparison: solara.Reactive[Comparison | None] = solara.reactive(None)
compare_progress = solara.reactive((0, 0))
"""Runs done and runs in all of the comparison under way (the progress bar)."""


@solara.component_vue("ui/map_image.vue")
def MapImage(src: str, event_cell_click: Callable[[dict], None]):
    """The map as an image that reports where it was clicked (fractions of its size)."""


@solara.component
def ErrorLine(text: str):
    """A one-line error in red (solara.Error trips over the ipyvuetify that solara 1.58.2 ships)."""
    solara.HTML(tag="div", unsafe_innerHTML=html.escape(text), classes=["polsim-error"],
                style={"color": "#b00020", "background": "#fdecea", "padding": "8px", "border-radius": "4px",
                       "font-family": "monospace", "font-size": "13px"})


def data_url(png: bytes) -> str:
    """A PNG as a ``data:`` URL for an ``<img>``."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def figure_png(fig: Figure) -> bytes:
    """Render ``fig`` to PNG and release it (pyplot keeps figures it made until closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def apply_settings(runner: Runner, new: Settings) -> bool:
    """Rebuild the model from ``new``; a bad value shows its one-line error instead."""
    playing.value = False
    try:
        runner.rebuild(new)
    except (ScenarioError, ValueError) as err:
        error.value = str(err).splitlines()[0]
        return False
    except Exception as err:  # a user's own policy class can fail in any way: still one line
        first = (str(err).splitlines() or [""])[0]
        error.value = f"the model could not be built: {type(err).__name__}: {first}"
        return False
    error.value = ""
    clicked.value = {}
    version.value += 1
    frame.value += 1
    force_update()
    return True


def change(runner: Runner, **changes: Any) -> bool:
    """Rebuild from the settings the model runs NOW with ``changes`` applied.

    Every control goes through here and reads ``runner.settings`` when it fires, never the
    settings of the render that drew it: a component whose arguments did not change is not
    redrawn (reacton), so a value captured at draw time is the page's first state, and a control
    acting on it would undo what the other controls did since (issue 27).
    """
    return apply_settings(runner, runner.settings.replace(**changes))


def advance(runner: Runner, n: int) -> None:
    """Step ``n`` times and redraw the map (charts too when not playing)."""
    runner.step(n)
    frame.value += 1
    if not playing.value:
        force_update()
    if not runner.model.running:
        version.value += 1  # the run is over: the page redraws with Play and Step disabled


SCENARIO_DEFAULTS = {"units": {}, "offenders": None, "deterrence": None, "replan_days": None}
"""A new scenario starts from its own parameters, not the sliders of the last one."""


@solara.component
def ScenarioCard(runner: Runner, settings: Settings):
    """Shipped scenario, or TOML pasted or uploaded (its errors show above the cards).

    ``settings`` (what runs now) is an argument so that the card is redrawn when it changes.
    """
    choices = shipped_scenarios() + [CUSTOM]

    def choose(name: str) -> None:
        if name != CUSTOM:
            toml_text.value = ""
            change(runner, scenario=name, **SCENARIO_DEFAULTS)
        else:
            toml_text.value = toml_text.value or _shipped_text(runner.settings.scenario)

    def apply_text(name: str = PASTED_NAME) -> None:
        change(runner, scenario=CUSTOM, toml_text=toml_text.value, toml_name=name, **SCENARIO_DEFAULTS)

    def upload(info: dict[str, Any]) -> None:
        toml_text.value = info["data"].decode("utf-8", errors="replace")
        apply_text(info["name"])

    with solara.Card("Scenario", margin=0):
        shown = CUSTOM if settings.scenario == CUSTOM or toml_text.value else settings.scenario
        solara.Select("Scenario", values=choices, value=shown, on_value=choose, classes=["polsim-scenario"])
        if shown == CUSTOM:
            solara.InputTextArea("Scenario TOML", value=toml_text, rows=8, continuous_update=True)
            with solara.Row():
                solara.Button("Apply TOML", color="primary", on_click=apply_text, classes=["polsim-apply"])
                solara.Button("Back to presets", text=True, on_click=lambda: choose(shipped_scenarios()[0]))
            solara.FileDrop(label="or drop a .toml file here", on_file=upload, lazy=False)


def _shipped_text(name: str) -> str:
    from polsim.scenario.loader import resolve_path

    path = resolve_path(name if name != CUSTOM else "default")
    return path.read_text(encoding="utf-8")


@solara.component
def PolicyCard(runner: Runner, settings: Settings, dispatch_rule: str):
    """Policy (built-in, or package.module:Class), seed and dispatch rule of ``settings`` (what runs now)."""
    custom, set_custom = solara.use_state("")
    names = policy_names()
    policy = settings.policy
    with solara.Card("Policy", margin=0):
        solara.Select("Policy", values=names if policy in names else names + [policy], value=policy,
                      on_value=lambda p: change(runner, policy=p), classes=["polsim-policy"])
        solara.InputText("or your own: package.module:Class", value=custom, on_value=set_custom,
                         continuous_update=True, classes=["polsim-custom-policy"])
        solara.Button("Use this policy", text=True, disabled=not custom,
                      on_click=lambda: change(runner, policy=custom.strip()))
        solara.InputInt("Seed", value=settings.seed, on_value=lambda v: change(runner, seed=int(v)),
                        classes=["polsim-seed"])
        solara.ToggleButtonsSingle(value=settings.dispatch or dispatch_rule, values=["avl", "zone"],
                                   on_value=lambda v: change(runner, dispatch=v))


@solara.component
def ParameterCard(runner: Runner, spec: ScenarioSpec):
    """Units of each type, offenders, deterrence strength, hotspot re-planning period of ``spec``
    (the scenario that runs now, sliders applied).
    """
    def units_with(name: str, count: int) -> dict[str, int]:
        return {**runner.settings.units, name: count}

    with solara.Card("Parameters", margin=0, classes=["polsim-parameters"]):
        for name, unit in spec.units.items():
            solara.SliderInt(f"{name.replace('_', ' ')}s: {unit.count}", value=unit.count, min=0,
                             max=max(20, 3 * unit.count),
                             on_value=lambda v, name=name: change(runner, units=units_with(name, int(v))))
        n = spec.offenders.count
        solara.SliderInt(f"offenders: {n}", value=n, min=0, max=max(1000, 3 * n), step=10,
                         on_value=lambda v: change(runner, offenders=int(v)))
        d = spec.deterrence.police
        solara.SliderFloat(f"deterrence strength: {d:g}", value=d, min=0.0, max=5.0, step=0.1,
                           on_value=lambda v: change(runner, deterrence=float(v)))
        days = spec.policy.replan_days
        solara.SliderFloat(f"hotspot re-planning: {days:g} days", value=days, min=0.25, max=14.0, step=0.25,
                           on_value=lambda v: change(runner, replan_days=float(v)))


@solara.component
def Controls(runner: Runner, finished: bool):
    """Reset, play/pause, step, and the speed (steps per frame, pause between frames)."""
    with solara.Card("Run", margin=0):
        with solara.Row():
            solara.Button("Reset", color="primary", on_click=lambda: apply_settings(runner, runner.settings),
                          classes=["polsim-reset"])
            solara.Button("Pause" if playing.value else "Play", color="primary", disabled=finished,
                          on_click=lambda: playing.set(not playing.value), classes=["polsim-play"])
            solara.Button("Step", color="primary", disabled=playing.value or finished,
                          on_click=lambda: advance(runner, steps_per_frame.value), classes=["polsim-step-button"])
        solara.SliderInt(f"speed: {steps_per_frame.value} steps per frame", value=steps_per_frame, min=1, max=60)
        solara.SliderInt(f"pause between frames: {delay_ms.value} ms", value=delay_ms, min=0, max=1000, step=10)


def play_loop(runner: Runner) -> None:
    """Step and redraw until paused or the run ends.

    The map redraws every frame. The charts redraw at most every ``CHART_SECONDS`` and spend at
    most ``CHART_SHARE`` of the time: on a busy machine three matplotlib figures take far longer
    than a frame, and would otherwise starve the map.
    """
    next_chart = time.perf_counter() + CHART_SECONDS
    while playing.value and not runner.closed:
        started = time.perf_counter()
        runner.step(steps_per_frame.value)
        if runner.closed:  # the session ended while this frame stepped
            return
        frame.value += 1
        if not runner.model.running:
            playing.value = False
        if time.perf_counter() >= next_chart or not playing.value:
            drawn = time.perf_counter()
            force_update()
            cost = time.perf_counter() - drawn
            next_chart = time.perf_counter() + max(CHART_SECONDS, cost / CHART_SHARE)
        time.sleep(max(0.0, delay_ms.value / 1000 - (time.perf_counter() - started)))


@solara.component
def MapView(runner: Runner):
    """The map, its layer and overlay switches, the legend and what a click picked."""
    opts = map_options.value

    def on_click(where: dict) -> None:
        def pick(m):
            cell = raster.cell_at(m, float(where["x"]), float(where["y"]))
            return details.click_details(m, *cell) if cell else {}

        clicked.value = runner.read(pick)

    with solara.Column(gap="4px"):
        with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select("layer", values=list(raster.LAYERS), value=opts.layer,
                          on_value=lambda v: map_options.set(_replace(opts, layer=v)), style={"max-width": "200px"},
                          classes=["polsim-layer"])
            shown = [name for name, on in (("grid workers", opts.grid_workers), ("offenders", opts.offenders)) if on]
            solara.ToggleButtonsMultiple(value=shown, values=["grid workers", "offenders"], dense=True,
                                         on_value=lambda v: map_options.set(_replace(
                                             opts, grid_workers="grid workers" in v, offenders="offenders" in v)))
        MapPicture(runner, opts, on_click)
        solara.HTML(tag="div", unsafe_innerHTML=_legend_html(), style={"font-size": "12px"})
        if clicked.value:
            with solara.Card("Selected", margin=0, classes=["polsim-selected"]):
                solara.Markdown("\n".join(f"- **{k}**: {v}" for k, v in clicked.value.items()))


@solara.component
def MapPicture(runner: Runner, opts: raster.MapOptions, on_click: Callable[[dict], None]):
    """The map image alone, redrawn every frame."""
    frame.get()
    png = runner.read(lambda m: raster.png_bytes(raster.render_map(m, opts)))
    MapImage(src=data_url(png), event_cell_click=on_click)


def _replace(opts: raster.MapOptions, **changes: Any) -> raster.MapOptions:
    import dataclasses

    return dataclasses.replace(opts, **changes)


def _legend_html() -> str:
    def swatch(rgb, text: str) -> str:
        return f'<span style="color: rgb{tuple(rgb)}">{text}</span>'

    kinds = " ".join(swatch((0, 0, 0), raster.SHAPE_SYMBOL[shape]) + f"&nbsp;{kind.replace('_', ' ')}"
                     for kind, shape in raster.UNIT_SHAPES.items())
    states = " ".join(swatch(rgb, "■") + f"&nbsp;{state.replace('_', ' ')}" for state, rgb in raster.STATE_RGB.items())
    marks = (swatch(raster.INCIDENT_RGB, "◯") + "&nbsp;open incident (line: unit on its way) "
             + swatch(raster.TREATED_RGB, "▢") + "&nbsp;treated cells "
             + swatch(raster.GRID_WORKER_RGB, "■") + "&nbsp;grid worker "
             + swatch(raster.OFFENDER_RGB[1], "●") + "&nbsp;fleeing offender")
    places = " ".join(swatch(rgb, "□") + f"&nbsp;{name}" for name, rgb, _ in raster.PLACE_STYLE.values())
    places += " " + swatch(raster.CHECKPOINT_RGB, "✕") + "&nbsp;checkpoint"
    circles = " ".join(swatch(rgb, "■") + f"&nbsp;within {m:g} min"
                       for m, rgb in zip(raster.CIRCLE_MINUTES, raster.CIRCLE_RGB, strict=True))
    return (f"<div>units: {kinds}</div><div>state: {states}</div><div>{marks}</div><div>places: {places}</div>"
            f"<div>response circles layer (the nearest free unit): {circles}</div>")


@solara.component
def Charts(runner: Runner):
    """Crimes by hour and type, response-time CDF, units busy and calls waiting."""
    update_counter.get()
    by_hour = runner.read(lambda m: figure_png(charts.crimes_by_hour(m)))
    cdf = runner.read(lambda m: figure_png(charts.response_chart(m)))
    with solara.Column(gap="4px"):
        solara.Image(by_hour, width="100%")
        solara.Image(cdf, width="100%")
        with solara.Card("Units busy and calls waiting (per step)", margin=0):
            PlotMatplotlib(runner.model, charts.BUSY_SERIES)


@solara.component
def CompareView(runner: Runner, settings: Settings):
    """Two policies on ``settings`` (what runs now) over several seeds, run in the background:
    maps, difference map, headline numbers with their intervals, pooled WDQ.
    """
    names = policy_names()
    policy_a, set_a = solara.use_state(names[0])
    policy_b, set_b = solara.use_state(names[-1])
    days, set_days = solara.use_state(1.0)
    replications, set_replications = solara.use_state(3)
    problem, set_problem = solara.use_state("")

    def run() -> None:
        set_problem("")
        compare_progress.value = (0, 2 * replications)
        try:
            comparison.value = compare(runner.settings, policy_a, policy_b, days, replications,
                                       progress=lambda done, total: compare_progress.set((done, total)))
        except (ScenarioError, ValueError) as err:
            set_problem(str(err).splitlines()[0])

    task = solara.lab.use_task(run, dependencies=None, prefer_threaded=True)
    s = settings
    solara.Markdown(f"Both policies run on **{s.scenario if s.scenario != CUSTOM else s.toml_name}**, "
                    f"seeds **{s.seed}–{s.seed + replications - 1}** (the same for both), with the sliders' "
                    "values; A is the baseline. Intervals are 95% over the seeds, as `polsim compare` gives them.")
    with solara.Row(gap="12px", style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select("Policy A (baseline)", values=names, value=policy_a, on_value=set_a)
        solara.Select("Policy B", values=names, value=policy_b, on_value=set_b)
        solara.SliderFloat(f"days: {days:g}", value=days, min=0.25, max=7.0, step=0.25, on_value=set_days)
        solara.SliderInt(f"seeds: {replications}", value=replications, min=1, max=20, on_value=set_replications)
        solara.Button("Run comparison", color="primary", on_click=task, disabled=task.pending)
    if task.pending:
        done, total = compare_progress.value
        solara.ProgressLinear(100 * done / total if total else True)
        solara.Text(f"{done} of {total} runs done", classes=["polsim-compare-progress"])
    if problem:
        ErrorLine(problem)
    c = comparison.value
    if c is not None and not task.pending:
        _comparison_result(c)


def _comparison_result(c: Comparison) -> None:
    rows = c.headlines()
    titles = c.headline_labels()
    formats = {"response_time_min.mean": "{:.2f}", "response_time_min.within_3": "{:.0%}",
               "crimes.total": "{:.1f}" if c.replications > 1 else "{:.0f}", "wdq": "{:+.2f}"}
    head = f"| | {' | '.join(titles[k] for k in formats)} |\n|{'---|' * (len(formats) + 1)}\n"
    body = "".join(f"| {r['side']} | {' | '.join(_with_ci(r, k, f) for k, f in formats.items())} |\n" for r in rows)
    solara.Markdown(head + body + f"\n{c.replications} seeds a side. Displacement: {c.verdict}")
    with solara.Columns([1, 1]):
        solara.Image(figure_png(c.maps_figure()), width="100%")
        solara.Image(figure_png(c.difference_figure()), width="100%")


def _with_ci(row: dict[str, Any], metric: str, fmt: str) -> str:
    """The mean, and its interval in brackets where there is one."""
    ci = row.get(f"{metric}.ci")
    text = _num(row[metric], fmt)
    return text if ci is None else f"{text} [{fmt.format(ci[0])}, {fmt.format(ci[1])}]"


def _num(value: float | None, fmt: str) -> str:
    return "–" if value is None else fmt.format(value)


@solara.component
def Clock(runner: Runner):
    """The step counter and simulated time, and what runs (read from the model, each frame)."""
    frame.get()
    text, identity = runner.read(lambda m: (clock_text(m), model_identity(m)))
    solara.HTML(tag="b", unsafe_innerHTML=text, classes=["polsim-clock"], style={"font-size": "16px"})
    solara.HTML(tag="div", unsafe_innerHTML=html.escape(json.dumps(identity)), classes=["polsim-model"],
                style={"display": "none"})


def header_html(settings: Settings, identity: dict[str, Any]) -> str:
    """'policy X · seed N · scenario Y' of the model that runs (the model's own names), and the
    typed name of a ``package.module:Class`` policy, which is what the user knows it by.
    """
    policy = settings.policy if ":" in settings.policy else identity["policy"]
    return (f'policy <b class="polsim-policy-name">{html.escape(policy)}</b> · seed '
            f'<span class="polsim-seed-name">{identity["seed"]}</span> · scenario '
            f'<span class="polsim-scenario-name">{html.escape(identity["scenario"])}</span>')


@solara.component
def Page():
    """The whole page."""
    runner = solara.use_memo(Runner, [])
    solara.use_effect(lambda: runner.close, [])  # the cleanup runs when the session closes
    version.get()
    solara.lab.use_task(lambda: play_loop(runner), dependencies=[playing.value], prefer_threaded=True)
    solara.Title("polsim")
    # one read, so the settings and the model are the pair the last rebuild installed; each
    # card gets what it shows as arguments, so that it is redrawn when that changes
    s, model = runner.read(lambda m: (runner.settings, m))
    identity = model_identity(model)
    # plain columns rather than solara.Sidebar / lab.Tabs: the app layout's drawer covers the
    # map on wide screens, and lab.Tabs needs a newer ipyvuetify than solara 1.58.2 ships with
    with solara.Columns([1, 4], style={"padding": "8px"}):
        with solara.Column(gap="8px"):
            solara.HTML(tag="h2", unsafe_innerHTML="polsim", style={"margin": "0"})
            if error.value:  # above the cards: a refused scenario, slider value or policy alike
                ErrorLine(error.value)
            ScenarioCard(runner, s)
            PolicyCard(runner, s, model.spec.dispatch.rule)
            Controls(runner, not model.running)
            ParameterCard(runner, model.spec)
        with solara.Column(gap="8px"):
            with solara.Row(gap="16px", style={"align-items": "center"}):
                solara.ToggleButtonsSingle(value=mode, values=["Explore", "Compare"], classes=["polsim-mode"])
                Clock(runner)
                solara.HTML(tag="div", unsafe_innerHTML=header_html(s, identity), style={"font-size": "16px"})
            if mode.value == "Explore":
                with solara.Columns([3, 2]):
                    MapView(runner)
                    Charts(runner)
            else:
                CompareView(runner, s)
