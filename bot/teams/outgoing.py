"""``POST /teams/outgoing``: a Teams Outgoing Webhook (``@Flexcalc bestslot 4h in NG1``).

Teams signs each request with ``Authorization: HMAC <base64>``, the base64 HMAC-SHA256 of the raw
body keyed with the base64-decoded security token Teams showed when the webhook was created
(``TEAMS_OUTGOING_WEBHOOK_SECRET``). Anything unsigned or forged gets 401 before any parsing.

Teams waits about 5 s for the reply. The command runs on a worker thread with a time budget
(default 4 s): a ready answer comes back as an Adaptive Card (chart by link when PUBLIC_BASE_URL
is set), a late one as an honest "still working" text (the work goes on and warms the caches).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import json
import logging
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, request

from bot.answering import Where, reply_to
from bot.security.replay import ReplayGuard, teams_activity_refusal
from bot.services import Services
from bot.storage.answers import new_token, save_answer
from bot.teams.alerts import teams_alerts_reply
from bot.teams.cards import message, reply_card, teams_command, text_message
from flexcalc.reply import Reply

log = logging.getLogger(__name__)

SECRET_ENV = "TEAMS_OUTGOING_WEBHOOK_SECRET"
PATH = "/teams/outgoing"
MAX_BODY = 256 * 1024
_MENTION = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def sign(body: bytes, secret_b64: str) -> str:
    """The ``Authorization`` header value Teams sends for ``body``."""
    key = base64.b64decode(secret_b64)
    return "HMAC " + base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def verify(header: str | None, body: bytes, secret_b64: str | None) -> bool:
    """Constant-time check of ``Authorization: HMAC <base64>`` against the raw body."""
    if not header or not secret_b64 or not header.startswith("HMAC "):
        return False
    try:
        expected = sign(body, secret_b64)
    except (binascii.Error, ValueError):
        log.error("%s is not valid base64; refusing every request", SECRET_ENV)
        return False
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def command_text(text: str) -> str:
    """The command a user typed: mentions, HTML tags and entities removed, spaces collapsed."""
    text = _MENTION.sub(" ", text or "")
    text = _TAG.sub(" ", text)
    text = html.unescape(text).replace("\u00a0", " ")
    return " ".join(text.split())


def short_id(kind: str, value: str) -> str:
    """A Teams id (often 60+ chars) as a stable 32-character key for the shared tables."""
    return f"{kind}:" + hashlib.sha256(value.encode()).hexdigest()[: 31 - len(kind)]


def where_from(activity: dict[str, Any]) -> Where:
    """Team, channel and user keys of the activity (tenant when there is no team)."""
    data = activity.get("channelData") or {}
    conversation = activity.get("conversation") or {}
    team = (data.get("team") or {}).get("id") or (data.get("tenant") or {}).get("id")
    team = team or conversation.get("tenantId") or "teams"
    channel = (data.get("channel") or {}).get("id") or str(conversation.get("id", "")).split(";")[0]
    sender = activity.get("from") or {}
    user = sender.get("aadObjectId") or sender.get("id") or ""
    return Where(
        team_id=short_id("mst", team),
        channel_id=short_id("msc", channel) if channel else None,
        user_id=short_id("msu", user) if user else None,
    )


@dataclass
class OutgoingWebhook:
    """The endpoint's logic, independent of Flask routing (easy to mount and to bench)."""

    services: Services
    secret: str | None = None
    budget: float = 4.0  # seconds to wait for the answer before replying "still working"
    card_margin: float = 0.3  # less than this left: plain text instead of card + chart link
    workers: int = 4

    def __post_init__(self) -> None:
        self.secret = self.secret or os.environ.get(SECRET_ENV) or None
        self.replay = ReplayGuard(self.services.engine)
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="teams")

    def handle(self, body: bytes, authorization: str | None) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) for one request."""
        started = time.monotonic()
        if not verify(authorization, body, self.secret):
            log.warning("refused a Teams outgoing webhook request with a missing or bad signature")
            return 401, {"error": "unauthorized"}
        try:
            activity = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return 400, {"error": "bad json"}
        if not isinstance(activity, dict):
            return 400, {"error": "bad json"}
        refused = teams_activity_refusal(self.replay, activity)  # HMAC has no timestamp
        if refused:
            log.warning("refused a Teams outgoing webhook activity (%s)", refused)
            return (409 if refused == "replayed" else 401), {"error": refused}
        text = command_text(str(activity.get("text", "")))
        where = where_from(activity)
        if not text:
            text = "help"
        future = self._pool.submit(self.answer, text, where)
        try:
            reply = future.result(timeout=max(0.0, self.budget - (time.monotonic() - started)))
        except FutureTimeout:
            log.info("Teams command %r is over its %.1f s budget", text, self.budget)
            return 200, text_message(still_working(text))
        except Exception:
            log.exception("Teams command %r failed", text)
            return 200, text_message("Sorry, something went wrong. Please try again in a minute.")
        if time.monotonic() - started > self.budget - self.card_margin:
            return 200, text_message(reply.to_text(teams_command))
        return 200, self.card_message(reply, where, text)

    def answer(self, text: str, where: Where) -> Reply:
        """The same grammar as Slack; Teams-only bits (alerts by Workflows URL) go to Teams."""

        special = teams_alerts_reply(text, self.services, where)
        return special if special is not None else reply_to(text, self.services, where)

    def card_message(self, reply: Reply, where: Where, command: str) -> dict[str, Any]:
        chart_url = None
        if reply.chart_png and not reply.is_error:
            chart_url = publish_chart(self.services, reply, where, command)
        notes = []
        if reply.chart_png and not reply.is_error and chart_url is None:
            notes.append("Charts appear here once PUBLIC_BASE_URL is set for Flexcalc.")
        return message(reply_card(reply, chart_url=chart_url, extra_notes=notes))


def publish_chart(services: Services, reply: Reply, where: Where, command: str) -> str | None:
    """Save the chart in the shared chart store; its public ``/charts/<token>.png`` link."""
    if not services.public_base_url or services.engine is None or not reply.chart_png:
        return None

    token = new_token()
    try:
        save_answer(
            services.engine,
            token=token,
            team_id=where.team_id,
            command=command,
            text=reply.title,
            blocks=[],
            chart_png=reply.chart_png,
            chart_title=reply.chart_alt or reply.title,
        )
    except Exception:
        log.exception("could not save a chart for Teams")
        return None
    return f"{services.public_base_url.rstrip('/')}/charts/{token}.png"


def still_working(text: str) -> str:
    return (
        f"Still working on '{text}': the data is taking longer than Teams waits for a reply "
        "(about 5 seconds). Please ask again in a minute; it will be quicker then."
    )


def blueprint(hook: OutgoingWebhook) -> Blueprint:
    """A Flask blueprint serving ``POST /teams/outgoing`` with ``hook``."""
    bp = Blueprint("teams_outgoing", __name__)

    @bp.post(PATH)
    def teams_outgoing() -> Response:
        if (request.content_length or 0) > MAX_BODY:
            return Response(json.dumps({"error": "too large"}), 413, mimetype="application/json")
        body = request.get_data(cache=False)
        status, payload = hook.handle(body, request.headers.get("Authorization"))
        return Response(json.dumps(payload), status, mimetype="application/json")

    return bp
