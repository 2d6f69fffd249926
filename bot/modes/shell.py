"""``python -m bot shell``: ask Flexcalc in this terminal (the default without Slack)."""

from __future__ import annotations

import logging
import os

from bot.config import SlackConfig
from bot.shell import run_shell


def run(argv: list[str], config: SlackConfig) -> int:
    logging.getLogger().setLevel(os.environ.get("LOG_LEVEL", "WARNING"))
    logging.getLogger("urllib3").setLevel(logging.ERROR)  # retries show up in the answer's notes
    return run_shell()
