"""``python -m bot clock``: the clock process proper (``python -m bot.clock``) replaces this
one, so it holds only the clock's imports: it queues ticks and stays small (docs/adr/0106).
``clock --once`` is its own mode module (``bot.modes.clock_once``): it runs a tick inline."""

from __future__ import annotations

import os
import sys

from bot.config import SlackConfig


def run(argv: list[str], config: SlackConfig) -> int:
    os.execv(sys.executable, [sys.executable, "-m", "bot.clock", *argv])
    return 0  # not reached
