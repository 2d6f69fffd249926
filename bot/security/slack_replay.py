"""Bolt global middleware dropping repeated Slack deliveries (``bot.security.replay``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.security.replay import ReplayGuard


def slack_identity(body: dict[str, Any]) -> str | None:
    """The id Slack gives one delivery of a request: event_id, else trigger_id."""
    for name in ("event_id", "trigger_id"):
        value = body.get(name)
        if isinstance(value, str) and value:
            return f"{name}={value}"
    return None


class SlackReplayMiddleware(Middleware):
    """Bolt global middleware: a repeated event or trigger is acked (200, empty) and dropped."""

    def __init__(self, guard: ReplayGuard) -> None:
        self.guard = guard

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        identity = slack_identity(req.body or {})
        if identity is None or self.guard.first_time("slack", f"{req.context.team_id}/{identity}"):
            next()
            return resp
        return BoltResponse(status=200, body="")
