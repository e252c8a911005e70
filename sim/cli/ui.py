"""``polsim ui``: serve the researchers' web UI (a Solara app, ``viz/app.py``).

The server runs in a child process (``python -m polsim.viz.ui.server``) that cannot outlive
this one: SIGTERM, SIGHUP and Ctrl-C stop it (and it is killed if it has not stopped within
``STOP_SECONDS``), and the kernel kills it if this process dies any other way, so a stopped
``polsim ui`` never leaves a server holding the port.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys

from polsim.cli import UsageError
from polsim.viz.ui.server import die_with_parent, is_local, server_command, server_env, stop


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``ui``."""
    p = subparsers.add_parser("ui", help="serve the web UI in the browser",
                              description="Serve the polsim web UI (Solara); open the printed address.")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--allow-custom-policies", action="store_true",
                   help="let the page load package.module:Class policies even when --host serves other "
                        "machines (anyone who can reach the page can then make the server import code "
                        "from its working directory); on 127.0.0.1 they are allowed anyway")
    return p


class _Stop(Exception):  # noqa: N818 - a signal to stop, not an error
    """A signal asked ``polsim ui`` to stop."""


def _raise_stop(signum, frame) -> None:
    raise _Stop(signum)


def run(args: argparse.Namespace) -> int:
    """Serve until stopped (Ctrl-C, SIGTERM, SIGHUP); the server process stops with this one."""
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be in 0..65535, got {args.port}")
    try:
        import solara  # noqa: F401
    except ImportError:
        raise UsageError("the UI needs the ui extra: pip install 'polsim[ui]'") from None
    local = is_local(args.host)
    if not local:
        policies = ("users' policy modules are on (--allow-custom-policies)" if args.allow_custom_policies
                    else "the page refuses package.module:Class policies (--allow-custom-policies allows them)")
        print(f"polsim ui: warning: --host {args.host} serves the UI to other machines; anyone who can reach "
              f"it can run simulations here; {policies}", file=sys.stderr, flush=True)
    print(f"polsim ui: serving on http://{args.host}:{args.port} (Ctrl-C stops)", flush=True)
    proc = subprocess.Popen(server_command(args.host, args.port),
                            env=server_env(local or args.allow_custom_policies), preexec_fn=die_with_parent)
    previous = {s: signal.signal(s, _raise_stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return proc.wait()
    except (_Stop, KeyboardInterrupt):
        stop(proc)
        print("polsim ui: stopped", file=sys.stderr)
        return 0
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
