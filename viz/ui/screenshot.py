"""Take the README's screenshot of the UI (``docs/ui.png``) in headless Chromium.

``.venv/bin/python -m polsim.viz.ui.screenshot [--out docs/ui.png] [--play-seconds 15]``: serves the
app, picks the hotspot policy (when it exists) so that treated cells show, plays at full
speed for a while, pauses and saves the page.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from polsim.policies import POLICIES
from polsim.viz.ui.serve import app_page


def choose(page, select_class: str, option: str) -> None:
    """Pick ``option`` in the Vuetify select carrying ``select_class``."""
    page.locator(f".{select_class} .v-field").click()
    page.locator(".v-overlay--active .v-list-item").filter(has_text=re.compile(f"^{re.escape(option)}$")).click()


def screenshot(out: Path, play_seconds: float, policy: str = "hotspot") -> str:
    """Save the page after playing ``play_seconds``; returns the clock text shown."""
    from playwright.sync_api import expect

    with app_page({"width": 1600, "height": 1000}) as page:
        if policy in POLICIES:
            choose(page, "polsim-policy", policy)
            expect(page.locator(".polsim-policy-name")).to_have_text(policy, timeout=30_000)
        page.locator(".v-slider-thumb").first.focus()  # the speed slider: End = 60 steps per frame
        page.keyboard.press("End")
        page.get_by_role("button", name="Play").click()
        page.wait_for_timeout(play_seconds * 1000)
        page.get_by_role("button", name="Pause").click()
        page.wait_for_timeout(3000)  # the last frame and the charts arrive
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        return page.locator(".polsim-clock").inner_text()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/ui.png"))
    parser.add_argument("--play-seconds", type=float, default=15.0)
    args = parser.parse_args()
    print(screenshot(args.out, args.play_seconds))
