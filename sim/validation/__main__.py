"""``python -m polsim.validation [--quick] [--out docs]``: regenerate docs/validation.md."""

import sys

from polsim.validation.report import main

sys.exit(main())
