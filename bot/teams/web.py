"""Mounts the Teams endpoints on the web app (``bot.web.register_teams`` calls this).

``POST /teams/outgoing`` always; ``POST /api/messages`` (the Agents SDK bot) only when its
service connection is configured in the environment and the SDK is installed.
"""

from __future__ import annotations

import logging
import os

from flask import Flask

from bot.services import Services
from bot.teams.outgoing import OutgoingWebhook, blueprint

log = logging.getLogger(__name__)
AGENT_ENV = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"  # the SDK's own variable


def register(web: Flask, services: Services, **settings: float) -> OutgoingWebhook:
    """Add the Teams endpoints to ``web``; ``settings`` tune the outgoing webhook (``budget``)."""
    hook = OutgoingWebhook(services, **settings)
    web.register_blueprint(blueprint(hook))
    web.extensions["flexcalc_teams"] = hook
    if not os.environ.get(AGENT_ENV):  # no bot configured: don't even import the SDK
        return hook
    try:  # only when a Teams bot is configured: the Agents SDK is an optional extra
        from bot.teams import agent
    except ImportError:
        log.warning("%s is set but the Microsoft 365 Agents SDK is not installed", AGENT_ENV)
        return hook
    agent.register(web, services)
    return hook
