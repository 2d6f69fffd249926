"""Registers every listener kind on the Bolt app (starter-template layout).

Registration is the web's half of a listener: what Bolt matches and the *name* of its lazy work.
These modules (each package's ``__init__``) import no answering code, so the web process never
loads the numeric stack. The work itself lives beside them (``buttons.py``, ``slash.py`` ...) and
is imported at top level only by ``bot.listeners.work``, the worker's table of jobs.
"""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, alerts, commands, engagement, events
from bot.services import Services


def register_listeners(app: App, services: Services) -> None:
    """Slash commands, events, buttons, alerts and engagement (pledges, impact, digests)."""
    engagement.register(app)
    commands.register(app)
    events.register(app)
    actions.register(app)
    alerts.register(app, services.engine)
