"""``python -m flexcalc``."""

import signal
import sys

from flexcalc.cli import main

if hasattr(signal, "SIGPIPE"):  # `python -m flexcalc prices | head` ends quietly
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
sys.exit(main())
