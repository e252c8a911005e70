"""``python -m polsim.benchmarks``: the same as ``polsim bench`` (same options, same table)."""

import sys

from polsim.cli import main

sys.exit(main(["bench", *sys.argv[1:]]))
