"""Mesa's own ``SolaraViz`` of a ``PolicingModel`` in headless Chromium: it steps, and its
Reset rebuilds step 0 of a model that steps again (it once failed with ``'PolicingScenario'
object has no attribute 'spec'``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from polsim.viz.ui.serve import CHROMIUM, CHROMIUM_ARGS, running_server

pytestmark = pytest.mark.browser

LOAD_S = 180
SHOT = Path("/tmp/polsim-mesa-solaraviz.png")
"""Where the test leaves its picture of the page after Reset, to look at."""


def solara_run(host: str, port: int) -> list[str]:
    """``solara run polsim.viz.mesa_viz``, as a Mesa user would serve it."""
    return [sys.executable, "-m", "solara", "run", "polsim.viz.mesa_viz", "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version"]


@pytest.fixture(scope="module")
def mesa_viz_url():
    """Mesa's SolaraViz of polsim's model, served on a free port."""
    with running_server(LOAD_S, command=solara_run) as url:
        yield url


def test_mesa_solaraviz_steps_and_resets(mesa_viz_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(mesa_viz_url)
            expect(page.get_by_text("Time: 0")).to_be_visible(timeout=LOAD_S * 1000)
            # Mesa 3.5.1 lays its components out in solara.lab tabs, which the ipyvuetify that
            # solara 1.58.2 ships does not draw: the main area stays blank in this browser, so the
            # space component is checked without one (tests/test_mesa_space.py)
            for k in (1, 2):
                page.get_by_role("button", name="Step").click()
                expect(page.get_by_text(f"Time: {k}.0")).to_be_visible(timeout=120_000)
            page.get_by_role("button", name="Reset").click()
            expect(page.get_by_text("Time: 0.0")).to_be_visible(timeout=120_000)
            body = page.locator("body").inner_text()
            assert "Traceback" not in body and "error" not in body.lower(), body[:500]
            page.screenshot(path=str(SHOT))
            page.get_by_role("button", name="Step").click()  # the new model steps too
            expect(page.get_by_text("Time: 1.0")).to_be_visible(timeout=120_000)
        finally:
            browser.close()
