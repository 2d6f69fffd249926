"""``GET /metrics`` and ``GET /readyz`` on the web process, and ack-latency timing.

Hooked into ``bot.web.create_web_app`` by one call: ``register(web, services)``. With
``FLEX_METRICS_TOKEN`` set, ``/metrics`` answers only ``Authorization: Bearer <token>`` (the web
process usually faces the internet; Prometheus sends it with ``authorization: credentials``).
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Flask, Response, g, jsonify, request

from bot.observability import health, metrics
from bot.services import Services

# Paths a chat platform calls and waits on: the response time is the acknowledgement time.
SURFACES = {"/slack/events": "slack", "/teams/outgoing": "teams", "/api/messages": "teams"}


TOKEN_ENV = "FLEX_METRICS_TOKEN"


def _scrape_allowed(authorization: str) -> bool:
    """Open unless FLEX_METRICS_TOKEN is set; then ``Authorization: Bearer <token>`` only."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        return True
    return hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode())


def register(web: Flask, services: Services) -> None:
    @web.get("/metrics")
    def prometheus_metrics() -> Response:
        if not _scrape_allowed(request.headers.get("Authorization", "")):
            return Response("metrics need the bearer token\n", status=401,
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        health.queue_check()  # refresh the gauges read at scrape time
        health.clock_check(services.engine)
        health.data_check()
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)

    @web.get("/readyz")
    def readyz() -> Response:
        ready, report = health.readiness(services.engine)
        response = jsonify(report)
        response.status_code = 200 if ready else 503
        response.headers["Cache-Control"] = "no-store"
        return response

    @web.before_request
    def start_timer() -> None:
        g.flexcalc_started = time.perf_counter()

    @web.after_request
    def record_ack(response: Response) -> Response:
        surface = SURFACES.get(request.path)
        started = g.get("flexcalc_started")
        if surface and started is not None and request.method == "POST":
            metrics.ACK_SECONDS.labels(surface=surface).observe(time.perf_counter() - started)
        return response
