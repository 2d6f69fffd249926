"""``python -m flexcalc``."""

import sys

from flexcalc.cli import main

sys.exit(main())
