"""``python -m bot migrate``: bring the database schema up to date (``bot.migrate_cli``)."""

from __future__ import annotations

from bot.config import SlackConfig
from bot.migrate_cli import main


def run(argv: list[str], config: SlackConfig) -> int:
    return main(argv)
