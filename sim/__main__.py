"""``python -m sim`` runs the polsim command line."""

import sys

from sim.cli import main

sys.exit(main())
