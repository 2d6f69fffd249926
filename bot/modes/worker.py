"""``python -m bot worker``: the job consumer beside web (``bot.worker``)."""

from __future__ import annotations

from bot.config import SlackConfig
from bot.worker import main


def run(argv: list[str], config: SlackConfig) -> int:
    return main(argv)
