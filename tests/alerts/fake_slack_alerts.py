"""The shared fake Slack Web API plus what the alerts clock needs on top of it.

Adds ``conversations.history`` (built from the messages really posted, with their metadata, so a
restarted clock can find a post its crashed predecessor made), ``conversations.open``,
``chat.scheduleMessage``, ``views.open``, and HTTP 429 rate limiting with ``Retry-After``.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.fakes.slack_api import FakeSlack


class AlertsFakeSlack(FakeSlack):
    def __init__(self) -> None:
        super().__init__()
        self.rate_limited = 0  # answer this many API calls with HTTP 429 first
        self.rate_limit_hits = 0
        self._posted: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def _handle(self, request: Request) -> Response:
        if request.path.startswith("/api/"):
            with self._lock:
                limited = self.rate_limited > 0
                if limited:
                    self.rate_limited -= 1
                    self.rate_limit_hits += 1
            if limited:
                return Response(
                    json.dumps({"ok": False, "error": "ratelimited"}),
                    status=429,
                    headers={"Retry-After": "0"},
                    mimetype="application/json",
                )
        return super()._handle(request)

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = params.get("channel")
        error = self.errors.get((method, channel)) or self.errors.get((method, None))
        if error or self.workspaces.get(token or "") is None:
            return super()._answer(method, params, token)
        if method == "conversations.history":
            oldest = float(params.get("oldest") or 0)
            with self._lock:
                posted = self._posted.get(str(channel), [])
                messages = [m for m in posted if float(m["ts"]) >= oldest]
            return {"ok": True, "messages": list(reversed(messages)), "has_more": False}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users"))[1:]}}
        if method == "chat.scheduleMessage":
            return {
                "ok": True,
                "channel": channel,
                "scheduled_message_id": f"Q{len(self.calls):06d}",
                "post_at": int(params.get("post_at", 0)),
            }
        if method == "views.open":
            return {"ok": True, "view": {"id": "VMODAL"}}
        answer = super()._answer(method, params, token)
        if method == "chat.postMessage" and answer.get("ok"):
            # like Slack, a message ts is the (travelled) wall-clock time it was posted
            answer["ts"] = f"{int(time.time())}.{answer['ts'].split('.')[1]}"
            answer["message"]["ts"] = answer["ts"]
            metadata = params.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            with self._lock:
                self._posted.setdefault(answer["channel"], []).append(
                    {**params, "ts": answer["ts"], "metadata": metadata}
                )
        return answer

    # ----- what users saw

    def alerts_in(self, channel: str) -> list[dict[str, Any]]:
        """Alert messages Slack accepted in one channel (those carrying alert metadata)."""
        with self._lock:
            return [m for m in self._posted.get(channel, []) if m.get("metadata")]

    def alert_posts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [m for ms in self._posted.values() for m in ms if m.get("metadata")]
