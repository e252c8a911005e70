"""Start ``polsim ui``'s server in the background and wait until it answers (tests, benchmarks)."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from polsim.viz.ui.server import die_with_parent, server_command, server_env

CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium, which the browser tests and the frame-rate benchmark drive."""

CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")
"""Without the background-networking switches Chromium keeps dialling out, which a closed network refuses."""


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, timeout: float) -> None:
    """Poll ``url`` until it answers 200, the server exits, or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"polsim ui exited with {proc.returncode}: {proc.stdout.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"polsim ui did not answer at {url} within {timeout} s")


@contextmanager
def running_server(timeout: float = 90.0, command: Callable[[str, int], list[str]] = server_command) -> Iterator[str]:
    """The UI served on a free local port by ``polsim ui``'s command line (or ``command(host,
    port)``'s, e.g. ``solara run`` of another app); yields its URL.
    """
    port = free_port()
    proc = subprocess.Popen(command("127.0.0.1", port), env=server_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, preexec_fn=die_with_parent)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for(url, proc, timeout)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def app_page(viewport: dict[str, int]) -> Iterator:
    """A headless Chromium page with the served app loaded and its map drawn (a Playwright ``Page``)."""
    from playwright.sync_api import sync_playwright

    with running_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport=viewport)
            page.goto(url)
            page.wait_for_selector("img.polsim-map", timeout=90_000)
            yield page
        finally:
            browser.close()
