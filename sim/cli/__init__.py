"""The ``polsim`` command line: one module per subcommand in this package.

Every module here that defines ``add_parser(subparsers)`` and ``run(args) -> int`` is a
subcommand (``validate_model.py`` gives ``polsim validate-model``). Bad input ends with one
line on stderr and exit code 2, argparse's own errors included; output cut short by a closed
pipe (``polsim scenarios | head -1``) ends quietly.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from polsim.scenario import FieldError
from polsim.scenario.budget import LIMIT_ENV

EXIT_BAD_INPUT = 2
EXIT_BROKEN_PIPE = 141
"""What a shell reports for a program killed by SIGPIPE (128 + 13)."""


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


NEGATIVE_VALUE = re.compile(r"^-\.?\d[\d.,eE+-]*$")
"""An argument that is a value, not an option, though it starts with '-': a negative number or a
list of numbers (``--bbox -122.5,37.7,-122.4,37.8``), which argparse alone takes for an option."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, with its errors as polsim's one line (``polsim run: error: ...``) instead of
    the usage text followed by the error, and negative numbers and lists of numbers read as
    values (no polsim option looks like one).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = NEGATIVE_VALUE  # argparse's own hook for what counts as a number

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see PROG --help)`` and exit with code 2."""
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand."""
    parser = OneLineParser(prog="polsim", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "add_parser") and hasattr(module, "run"):
            module.add_parser(subparsers).set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``polsim`` script."""
    with _environment_kept():
        return _main(argv)


@contextmanager
def _environment_kept() -> Iterator[None]:
    """Options that reach worker processes through the environment (``--max-memory``) hold for
    this command only: a caller of :func:`main` in Python gets its environment back.
    """
    before = os.environ.get(LIMIT_ENV)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(LIMIT_ENV, None)
        else:
            os.environ[LIMIT_ENV] = before


def _main(argv: list[str] | None) -> int:
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as done:  # argparse's --help and errors: their exit code, as a return
            return done.code if isinstance(done.code, int) else EXIT_BAD_INPUT
        return int(args.handler(args) or 0)
    except (FieldError, UsageError) as err:  # a scenario's, a spec's or an option's: one line
        print(f"polsim: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("polsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except MemoryError:
        print("polsim: error: out of memory (the estimate fell short); give a smaller scenario or "
              "a lower --max-memory", file=sys.stderr)
        return 1


def _quiet_stdout() -> None:
    """The reader has gone: point stdout at /dev/null so that flushing it at exit cannot raise
    (and print) a second BrokenPipeError.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
