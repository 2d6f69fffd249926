"""``python -m bot clock --once``: one alerts tick in this process (cron without a worker,
tests); it loads what a worker loads to answer."""

from __future__ import annotations

from bot.alerts.tick_job import run_once
from bot.clock import parser
from bot.config import SlackConfig


def run(argv: list[str], config: SlackConfig) -> int:
    options = parser().parse_args([a for a in argv if a != "--once"])
    return run_once(options.minutes)
