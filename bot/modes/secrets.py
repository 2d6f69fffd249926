"""``python -m bot secrets``: encryption keys of stored tokens: key, rotate, status."""

from __future__ import annotations

from bot.config import SlackConfig
from bot.security.cli import main


def run(argv: list[str], config: SlackConfig) -> int:
    return main(argv)
