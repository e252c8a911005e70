"""``polsim ui``: serve the researchers' web UI (a Solara app, ``viz/app.py``)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from polsim.cli import UsageError

APP = "polsim.viz.app"
ROOT = Path(__file__).resolve().parents[2]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``ui``."""
    p = subparsers.add_parser("ui", help="serve the web UI in the browser",
                              description="Serve the polsim web UI (Solara); open the printed address.")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    return p


def server_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line that serves the app."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version", "--log-level", "warning"]


def server_env() -> dict[str, str]:
    """The environment of the server: page assets from the local bundle, no telemetry."""
    env = dict(os.environ)
    env.update(SOLARA_TELEMETRY_MIXPANEL_ENABLE="False", SOLARA_THEME_SHOW_BANNER="False",
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p))
    return env


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be in 0..65535, got {args.port}")
    try:
        import solara  # noqa: F401
    except ImportError:
        raise UsageError("the UI needs the ui extra: pip install -e '.[ui]'") from None
    print(f"polsim ui: serving on http://{args.host}:{args.port} (Ctrl-C stops)", flush=True)
    return subprocess.call(server_command(args.host, args.port), env=server_env(), cwd=ROOT)
