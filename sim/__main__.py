"""``python -m sim`` runs the polsim command line."""

import sys

from polsim.cli import main

sys.exit(main())
