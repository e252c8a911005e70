"""Mesa's own ``SolaraViz`` of a ``PolicingModel`` in headless Chromium: it steps, and its
Reset rebuilds step 0 of a model that steps again (it once failed with ``'PolicingScenario'
object has no attribute 'spec'``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from polsim.viz.ui.serve import CHROMIUM, CHROMIUM_ARGS, free_port, wait_for
from polsim.viz.ui.server import die_with_parent, server_env

pytestmark = pytest.mark.browser

LOAD_S = 180
SHOT = Path("/tmp/polsim-mesa-solaraviz.png")
"""Where the test leaves its picture of the page after Reset, to look at."""


@pytest.fixture(scope="module")
def mesa_viz_url():
    """``solara run polsim.viz.mesa_viz`` on a free port, as a Mesa user would serve it."""
    port = free_port()
    command = [sys.executable, "-m", "solara", "run", "polsim.viz.mesa_viz", "--host", "127.0.0.1",
               "--port", str(port), "--production", "--no-open", "--no-check-version"]
    proc = subprocess.Popen(command, env=server_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=die_with_parent)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for(url, proc, LOAD_S)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
