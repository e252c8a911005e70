"""Frames per second of the web UI while playing the default scenario.

Two figures, both with one model step per frame (the UI's default speed):

- ``browser_fps``: the real thing. ``polsim ui`` serves the app, headless Chromium opens it
  and presses Play; the page counts every new map image it receives (a ``MutationObserver``
  on the map's ``src``) and the step counter gives the steps done. Charts redraw
  meanwhile (every 2 s), as they do for a user.
- ``server_fps``: the server's frame work alone (step, draw the map raster, encode the PNG),
  an upper bound that shows how much of the budget the transport and browser take.

Target: at least 5 steps drawn per second. Run: ``python -m polsim.benchmarks.ui_fps [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

from polsim.viz.ui.serve import CHROMIUM, app_page

COUNT_FRAMES = """() => {
  window.__frames = 0;
  const img = document.querySelector('img.polsim-map');
  new MutationObserver(() => { window.__frames += 1; }).observe(img, {attributes: true, attributeFilter: ['src']});
}"""


def server_fps(frames: int) -> float:
    """Frames per second of step + map raster + PNG on the default scenario, no browser."""
    from polsim.viz.ui.raster import MapOptions, png_bytes, render_map
    from polsim.viz.ui.session import Settings, build_model

    model = build_model(Settings())
    model.step()  # compiled kernels loaded before timing
    started = time.perf_counter()
    for _ in range(frames):
        model.step()
        png_bytes(render_map(model, MapOptions()))
    return frames / (time.perf_counter() - started)


def _steps(page) -> int:
    return int(re.match(r"Step (\d+)", page.locator(".polsim-clock").inner_text()).group(1))


def browser_fps(seconds: float) -> dict[str, float]:
    """Play the default scenario in headless Chromium for ``seconds``; frames and steps per second."""
    with app_page({"width": 1500, "height": 1000}) as page:
        page.evaluate(COUNT_FRAMES)
        page.get_by_role("button", name="Play").click()
        page.wait_for_function("() => window.__frames > 0", timeout=30_000)
        f0, s0, t0 = page.evaluate("() => window.__frames"), _steps(page), time.perf_counter()
        page.wait_for_timeout(seconds * 1000)
        f1, s1, t1 = page.evaluate("() => window.__frames"), _steps(page), time.perf_counter()
        page.get_by_role("button", name="Pause").click()
    return {"browser_fps": (f1 - f0) / (t1 - t0), "browser_steps_per_s": (s1 - s0) / (t1 - t0)}


def ui_fps(quick: bool) -> dict:
    """The UI's frame rates on the default scenario (``quick``: shorter measurements)."""
    seconds, frames = (5.0, 50) if quick else (20.0, 300)
    # the browser, the server and the driver share the CPUs: the load says how busy they were
    out: dict = {"scenario": "default", "steps_per_frame": 1, "target_fps": 5.0,
                 "cpus": os.cpu_count(), "load_before": os.getloadavg()[0], "server_fps": server_fps(frames)}
    if Path(CHROMIUM).exists():
        out.update(browser_fps(seconds))
    else:
        out.update(browser_fps=None, browser_steps_per_s=None, note=f"{CHROMIUM} missing: no browser figure")
    out["load_after"] = os.getloadavg()[0]
    out["meets_target"] = (out["browser_fps"] or 0.0) >= out["target_fps"]
    return out


def main(argv: list[str] | None = None) -> None:
    """Measure and print the figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m polsim.benchmarks.ui_fps", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s in the browser instead of 20 s")
    print(json.dumps(ui_fps(parser.parse_args(argv).quick), indent=2))


if __name__ == "__main__":
    main()
