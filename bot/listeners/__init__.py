"""Registers every listener kind on the Bolt app (starter-template layout)."""

from __future__ import annotations

import importlib.util
import logging

from slack_bolt import App

from bot.listeners import actions, commands, engagement, events
from bot.services import Services

log = logging.getLogger(__name__)

ALERTS_LISTENERS = "bot.listeners.alerts"  # issue 4 (daily alerts): registered when present


def register_listeners(app: App, services: Services) -> None:
    """Slash commands, events and buttons; plus the alerts listeners when that package exists."""
    engagement.register(app, services)  # issue 7 (first: it claims /flex impact|digest|forget)
    commands.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    if importlib.util.find_spec(ALERTS_LISTENERS) is not None:
        alerts = importlib.import_module(ALERTS_LISTENERS)
        alerts.register(app)
        log.info("registered the alerts listeners")
