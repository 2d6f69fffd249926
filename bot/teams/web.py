"""Mounts the Teams outgoing webhook on the web app (``bot.web.register_teams`` calls this)."""

from __future__ import annotations

from flask import Flask

from bot.services import Services
from bot.teams.outgoing import OutgoingWebhook, blueprint


def register(web: Flask, services: Services, **settings: float) -> OutgoingWebhook:
    """Add ``POST /teams/outgoing`` to ``web``; ``settings`` tune the hook (e.g. ``budget``)."""
    hook = OutgoingWebhook(services, **settings)
    web.register_blueprint(blueprint(hook))
    web.extensions["flexcalc_teams"] = hook
    return hook
