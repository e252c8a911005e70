"""The UI's server process: Solara's server for ``polsim.viz.app``, less its statistics page.

``python -m polsim.viz.ui.server HOST PORT`` is what ``polsim ui`` starts. It is ``solara run``
run in this process, after one change: Solara answers ``/resourcez`` with server statistics
(sessions, threads, websockets) to anyone who asks and has no setting to turn it off, so the
route answers 404 here. ``/readyz`` (the liveness probe) stays.
"""

from __future__ import annotations

import os
import sys

APP = "polsim.viz.app"
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
    # solara's server module registers the app it serves when first imported, from SOLARA_APP
    # (which ``solara run`` sets before importing it); hiding a route imports it first
    os.environ["SOLARA_APP"] = APP
    hide_statistics()
    from solara.__main__ import cli

    cli.main(args=solara_arguments(host, int(port)), prog_name="solara")


if __name__ == "__main__":
    main()
