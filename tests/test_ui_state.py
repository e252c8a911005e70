"""Every control acts on the settings that run NOW, in any order (issue 27, part 1).

Each control was once applied to the page's first state (default city, ``random``, seed 1):
choosing a scenario and then a policy ran the policy on the default city, a new seed reset
the policy, a slider rebuilt the default city. These tests change scenario, policy, seed and a
slider in several orders in headless Chromium and check the model the server then runs: the
page's ``.polsim-model`` element is read from the model itself, and after a few steps its
state digest must equal that of a model built here from the expected settings.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from polsim.viz.ui.runner import model_identity
from polsim.viz.ui.session import Settings, build_model
from tests import test_ui_browser as ui_browser
from tests.test_ui_browser import choose, wait_clock

server, browser, page = ui_browser.server, ui_browser.browser, ui_browser.page
"""The browser tests' fixtures: one server for this module, a fresh page (session) per test."""

pytestmark = pytest.mark.browser

OTHER_SCENARIO = "guian"
"""A small shipped scenario with other unit types and counts than ``default``."""
POLICY = "hotspot"
STEP_S = 120
"""Seconds a step may take to show: the first one after a rebuild may load compiled kernels."""


def model_on_page(page) -> dict:
    """The identity of the server's model, as the page last drew it."""
    return json.loads(page.locator(".polsim-model").inner_text())


def expect_model(page, expected: Settings, steps: int = 3) -> None:
    """The page runs ``expected``: same names, counts and, after ``steps`` steps, the same state."""
    want = build_model(expected)
    identity = model_identity(want)
    expect(page.locator(".polsim-scenario-name")).to_have_text(identity["scenario"], timeout=30_000)
    expect(page.locator(".polsim-policy-name")).to_have_text(identity["policy"], timeout=30_000)
    expect(page.locator(".polsim-seed-name")).to_have_text(str(identity["seed"]), timeout=30_000)
    wait_clock(page, "Step 0 ·")
    got = model_on_page(page)
    assert {k: got[k] for k in ("scenario", "policy", "seed", "units", "offenders")} == \
        {k: identity[k] for k in ("scenario", "policy", "seed", "units", "offenders")}
    for k in range(1, steps + 1):
        page.get_by_role("button", name="Step").click()
        # a fresh server's first step of a policy loads its compiled kernels: slow on a busy machine
        expect(page.locator(".polsim-clock")).to_contain_text(f"Step {k} ·", timeout=STEP_S * 1000)
        want.step()
    assert model_on_page(page)["state"] == model_identity(want)["state"]
    # the Parameters card shows the scenario that runs, not the first one
    cards = page.locator(".polsim-parameters")
    for name, n in identity["units"].items():
        expect(cards).to_contain_text(f"{name.replace('_', ' ')}s: {n}")
    expect(cards).to_contain_text(f"offenders: {identity['offenders']}")


def set_seed(page, seed: int) -> None:
    box = page.locator(".polsim-seed input")
    box.fill(str(seed))
    box.press("Enter")
    expect(page.locator(".polsim-seed-name")).to_have_text(str(seed), timeout=30_000)


def raise_offenders(page) -> None:
    """One step up on the offenders slider (+10) from the keyboard, as a user could."""
    thumb = page.locator(".polsim-parameters .v-slider").filter(has_text="offenders").locator(".v-slider-thumb")
    thumb.focus()
    thumb.press("ArrowRight")


def test_scenario_then_policy(page):
    choose(page, "polsim-scenario", OTHER_SCENARIO)
    expect(page.locator(".polsim-scenario-name")).to_have_text(OTHER_SCENARIO, timeout=30_000)
    choose(page, "polsim-policy", POLICY)
    expect_model(page, Settings(scenario=OTHER_SCENARIO, policy=POLICY))


def test_policy_then_scenario_then_seed(page):
    choose(page, "polsim-policy", POLICY)
    expect(page.locator(".polsim-policy-name")).to_have_text(POLICY, timeout=30_000)
    choose(page, "polsim-scenario", OTHER_SCENARIO)
    expect(page.locator(".polsim-scenario-name")).to_have_text(OTHER_SCENARIO, timeout=30_000)
    set_seed(page, 7)
    expect_model(page, Settings(scenario=OTHER_SCENARIO, policy=POLICY, seed=7))


def test_seed_then_slider_then_policy_keep_the_scenario(page):
    choose(page, "polsim-scenario", OTHER_SCENARIO)
    expect(page.locator(".polsim-scenario-name")).to_have_text(OTHER_SCENARIO, timeout=30_000)
    set_seed(page, 5)
    n = build_model(Settings(scenario=OTHER_SCENARIO)).spec.offenders.count
    raise_offenders(page)
    expect(page.locator(".polsim-parameters")).to_contain_text(f"offenders: {n + 10}", timeout=30_000)
    choose(page, "polsim-policy", POLICY)
    expect_model(page, Settings(scenario=OTHER_SCENARIO, policy=POLICY, seed=5, offenders=n + 10))


def test_a_new_scenario_starts_from_its_own_parameters(page):
    raise_offenders(page)
    n = build_model(Settings()).spec.offenders.count
    expect(page.locator(".polsim-parameters")).to_contain_text(f"offenders: {n + 10}", timeout=30_000)
    choose(page, "polsim-policy", POLICY)
    expect_model(page, Settings(policy=POLICY, offenders=n + 10), steps=1)
    choose(page, "polsim-scenario", OTHER_SCENARIO)
    expect_model(page, Settings(scenario=OTHER_SCENARIO, policy=POLICY), steps=1)
