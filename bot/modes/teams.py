"""``python -m bot teams``: Teams Workflows webhook URLs and the Teams app package."""

from __future__ import annotations

from bot.config import SlackConfig
from bot.teams.cli import main


def run(argv: list[str], config: SlackConfig) -> int:
    return main(argv)
