"""Registers every listener kind on the Bolt app (starter-template layout)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, alerts, commands, engagement, events
from bot.services import Services


def register_listeners(app: App, services: Services) -> None:
    """Slash commands, events, buttons, alerts and engagement (pledges, impact, digests)."""
    engagement.register(app, services)
    commands.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    alerts.register(app, services.engine)
