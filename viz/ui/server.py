"""The UI's server process: Solara's server for ``polsim.viz.app``, less its statistics page.

``python -m polsim.viz.ui.server HOST PORT`` is what ``polsim ui`` starts (with
:func:`server_command`, :func:`server_env` and :func:`die_with_parent`, and stops with
:func:`stop`). It is ``solara run`` run in this process, after one change: Solara answers
``/resourcez`` with server statistics (sessions, threads, websockets) to anyone who asks and
has no setting to turn it off, so the route answers 404 here. ``/readyz`` (the liveness probe) stays.
"""

from __future__ import annotations

import contextlib
import ctypes
import ipaddress
import os
import signal
import subprocess
import sys

APP = "polsim.viz.app"
HOST_ENV = "POLSIM_UI_HOST"
"""The address the server listens on, for the page's own checks (set by :func:`main`)."""
CUSTOM_POLICIES_ENV = "POLSIM_ALLOW_CUSTOM_POLICIES"
"""``1``: the page may load ``package.module:Class`` policies; ``0``: it refuses them."""
STOP_SECONDS = 10.0
"""How long a stopping server may take to close its sessions before it is killed."""
SESSION_KEPT = "2m"
"""How long a session whose page went away without closing (a dropped connection, a killed
browser) keeps its model for a reconnect. Solara's default, 24 hours, kept every such session's
model, city and arrays in the server: it grew by megabytes a session."""
HIDDEN_ROUTES = ("/resourcez",)
"""Solara routes that show the server's internals to any visitor."""


def hide_statistics() -> None:
    """Make every route of :data:`HIDDEN_ROUTES` answer 404 Not Found."""
    from solara.server import starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def not_found(request):
        return PlainTextResponse("Not Found", status_code=404)

    routes = starlette.app.router.routes
    for i, route in enumerate(routes):
        if getattr(route, "path", None) in HIDDEN_ROUTES:
            routes[i] = Route(route.path, endpoint=not_found)


def solara_arguments(host: str, port: int) -> list[str]:
    """``solara run``'s arguments: production mode, no browser, no version check, quiet."""
    return ["run", APP, "--host", host, "--port", str(port), "--production", "--no-open",
            "--no-check-version", "--log-level", "warning"]


def main(argv: list[str] | None = None) -> None:
    """Serve the app on ``HOST PORT`` until stopped."""
    host, port = (argv if argv is not None else sys.argv[1:])[:2]
    os.environ[HOST_ENV] = host
    # solara's server module registers the app it serves when first imported, from SOLARA_APP
    # (which ``solara run`` sets before importing it); hiding a route imports it first
    os.environ["SOLARA_APP"] = APP
    hide_statistics()
    from solara.__main__ import cli

    cli.main(args=solara_arguments(host, int(port)), prog_name="solara")


# -- starting and stopping the server process (polsim ui, the UI's tests) --------------------------
def is_local(host: str) -> bool:
    """Whether ``host`` serves this machine only (a loopback address, or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serves_others() -> bool:
    """Whether this server answers other machines (``polsim ui --host``, or ``solara run``'s host)."""
    return not is_local(os.environ.get(HOST_ENV) or os.environ.get("SERVER_NAME", "127.0.0.1"))


def server_command(host: str, port: int) -> list[str]:
    """The command line of the server process."""
    return [sys.executable, "-m", "polsim.viz.ui.server", host, str(port)]


def server_env(custom_policies: bool = True) -> dict[str, str]:
    """The environment of the server: page assets from the local bundle, no telemetry, sessions
    whose page went away released after :data:`SESSION_KEPT`, and whether the page may load
    users' policy modules.
    """
    env = dict(os.environ)
    env.update(SOLARA_TELEMETRY_MIXPANEL_ENABLE="False", SOLARA_THEME_SHOW_BANNER="False")
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", SESSION_KEPT)
    env[CUSTOM_POLICIES_ENV] = "1" if custom_policies else "0"
    return env


def die_with_parent() -> None:
    """In the child, before it runs: ask the kernel for SIGKILL when its parent dies (Linux's
    ``PR_SET_PDEATHSIG``; elsewhere the signal forwarding alone stops it).
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


def stop(proc: subprocess.Popen, grace: float = STOP_SECONDS) -> None:
    """Ask the server to stop, and kill it if it has not within ``grace`` seconds."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
