"""The HTTP process (Flask): Slack endpoints, chart images and a health check.

Production: ``gunicorn bot.web:app`` (see Procfile). The web process only verifies Slack's
signature, acknowledges and enqueues (``bot.jobs``); ``python -m bot worker`` answers.
Endpoints, and nothing else:
``POST /slack/events``; ``GET /slack/install`` and ``GET /slack/oauth_redirect`` (OAuth only);
``GET /charts/<token>.png``; ``GET /healthz`` (liveness); ``GET /readyz`` and ``GET /metrics``
(``bot.observability.web``); ``POST /teams/outgoing`` is added by the Teams
front end when its module ``bot.teams.web`` exists (hook: ``register_teams``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re

from flask import Flask, Response, abort, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler

from bot.app import create_app
from bot.config import SlackConfig
from bot.jobs.queue import make_huey
from bot.observability.health import set_queue_probe
from bot.observability.logs import configure_logging
from bot.observability.web import register as register_observability
from bot.security import redaction
from bot.security.limits import EdgeLimits
from bot.services import Services
from bot.storage.answers import load_chart
from bot.storage.db import get_engine

TEAMS_MODULE = "bot.teams.web"  # must define register(flask_app, services)
# Teams is configured when one of these is set (the outgoing webhook's HMAC key; the Agents
# SDK's service connection): without them every Teams request would be refused anyway.
TEAMS_SETTINGS = (
    "TEAMS_OUTGOING_WEBHOOK_SECRET",
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID",
)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def create_web_app(bolt_app: App | None = None, services: Services | None = None) -> Flask:
    """The Flask app around a Bolt app (both built from the environment when not given)."""
    if bolt_app is None or services is None:
        config = SlackConfig.from_env()
        services = services or Services(engine=get_engine(), public_base_url=config.public_base_url)
        huey = make_huey()
        set_queue_probe(type(huey).__name__, huey.pending_count)  # /readyz and /metrics depth
        bolt_app = bolt_app or create_app(config, services, huey=huey)
    redaction.install()  # gunicorn imports this module without bot.__main__
    handler = SlackRequestHandler(bolt_app)
    web = Flask("flexcalc")

    @web.post("/slack/events")
    def slack_events() -> Response:
        return handler.handle(request)

    if bolt_app.oauth_flow is not None:

        @web.get("/slack/install")
        def slack_install() -> Response:
            return handler.handle(request)

        @web.get("/slack/oauth_redirect")
        def slack_oauth_redirect() -> Response:
            return handler.handle(request)

    @web.get("/charts/<token>.png")
    def chart(token: str) -> Response:
        if not _TOKEN.match(token) or services.engine is None:
            abort(404)
        png = load_chart(services.engine, token)
        if png is None:
            abort(404)
        return Response(
            png, mimetype="image/png", headers={"Cache-Control": "public, max-age=86400"}
        )

    @web.get("/healthz")
    def healthz() -> Response:
        return Response("ok\n", mimetype="text/plain")

    register_observability(web, services)
    register_teams(web, services)
    web.wsgi_app = EdgeLimits(web.wsgi_app)  # body limits, malformed requests (bot.security)
    return web


def register_teams(web: Flask, services: Services) -> None:
    """Hook for the Teams endpoints (``POST /teams/outgoing``), when Teams is configured."""
    if not any(os.environ.get(name) for name in TEAMS_SETTINGS):
        return
    if importlib.util.find_spec("bot.teams") is None:
        return
    if importlib.util.find_spec(TEAMS_MODULE) is None:
        return
    importlib.import_module(TEAMS_MODULE).register(web, services)


def __getattr__(name: str) -> Flask:
    """``bot.web:app`` for gunicorn (Procfile): built from the environment on first access."""
    if name == "app":
        global app
        configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
        app = create_web_app()
        return app
    raise AttributeError(name)
