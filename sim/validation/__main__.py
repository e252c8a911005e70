"""``python -m sim.validation [--quick] [--out docs]``: regenerate docs/validation.md."""

import sys

from sim.validation.report import main

sys.exit(main())
