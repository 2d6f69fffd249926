"""``python -m bot socket``: Slack over Socket Mode, one process; jobs run on threads in it."""

from __future__ import annotations

import logging
import sys

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.answering import warm_up_in_background
from bot.config import SlackConfig
from bot.jobs.runner import LocalWorkers
from bot.one_process import create_one_process_app
from bot.services import Services
from bot.storage.db import get_engine
from bot.worker import build_queue


def run(argv: list[str], config: SlackConfig) -> int:
    if not config.app_token:
        print("Socket Mode needs SLACK_APP_TOKEN (an xapp- token).", file=sys.stderr)
        return 2
    services = Services(engine=get_engine(), public_base_url=config.public_base_url)
    app = create_one_process_app(config, services)
    warm_up_in_background(services)
    start_queue_worker(services)
    logging.getLogger(__name__).info("Flexcalc is running in Socket Mode")
    SocketModeHandler(app, config.app_token).start()
    return 0


def start_queue_worker(services: Services, threads: int = 1) -> LocalWorkers:
    """Worker threads on the durable queue, inside this process: Socket Mode is one process,
    so it runs the alerts ticks the clock queues (docs/adr/0106)."""
    return LocalWorkers(build_queue(services=services), threads).start()
