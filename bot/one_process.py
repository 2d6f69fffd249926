"""One process does it all (Socket Mode, tests): the Bolt app acks, and its jobs run on threads
in the same process with the worker's table of work (``bot.listeners.work``)."""

from __future__ import annotations

from slack_bolt import App

from bot.app import create_app
from bot.config import SlackConfig
from bot.listeners.work import lazy_work
from bot.services import Services


def create_one_process_app(
    config: SlackConfig | None = None, services: Services | None = None
) -> App:
    """``bot.app.create_app`` on an in-memory queue, its jobs run here (``app.job_workers``)."""
    return create_app(config, services, work=lazy_work)
