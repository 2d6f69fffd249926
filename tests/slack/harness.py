"""Drive the real Slack app over HTTP the way Slack does: signed, form-encoded requests."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from tests.fakes.slack_api import DEFAULT_TEAM, FakeSlack

SIGNING_SECRET = "test-signing-secret-8f2a"
_TRIGGERS = itertools.count(1)


def trigger_id() -> str:
    """Slack gives every command and click its own trigger_id."""
    return f"{time.monotonic_ns()}.{next(_TRIGGERS)}.a1b2c3"


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class SlackClientSide:
    """What Slack does towards the app: slash commands, events and button clicks."""

    app_url: str
    fake: FakeSlack
    secret: str = SIGNING_SECRET
    session: requests.Session = field(default_factory=requests.Session)

    def _post(self, body: str, content_type: str, headers: dict[str, str] | None = None):
        all_headers = {"Content-Type": content_type, **sign(body, self.secret), **(headers or {})}
        return self.session.post(
            f"{self.app_url}/slack/events", data=body.encode(), headers=all_headers, timeout=10
        )

    def command(
        self,
        command: str,
        text: str = "",
        *,
        team_id: str = DEFAULT_TEAM,
        channel_id: str = "C0GENERAL",
        user_id: str = "U0ALICE",
        response_name: str = "",
        headers: dict[str, str] | None = None,
    ) -> tuple[requests.Response, str]:
        """POST a slash command exactly as Slack does; returns (HTTP response, response_url)."""
        response_url = self.fake.response_url(response_name)
        fields = {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "team_domain": "flexcalc-test",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": "alice",
            "command": command,
            "text": text,
            "api_app_id": "A0FLEXCALC",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id(),
        }
        body = urlencode(fields)
        return self._post(body, "application/x-www-form-urlencoded", headers), response_url

    def event(
        self,
        event: dict[str, Any],
        *,
        team_id: str = DEFAULT_TEAM,
        event_id: str | None = None,
        retry: int | None = None,
    ) -> requests.Response:
        """An Events API callback (JSON); ``retry`` redelivers like Slack (X-Slack-Retry-Num)."""
        payload = {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "api_app_id": "A0FLEXCALC",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": team_id, "user_id": "UBOT", "is_bot": True, "enterprise_id": None}
            ],
        }
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else None
        )
        return self._post(json.dumps(payload), "application/json", headers)

    def click(
        self,
        action_id: str,
        value: str,
        *,
        team_id: str = DEFAULT_TEAM,
        channel_id: str | None = "C0GENERAL",
        user_id: str = "U0ALICE",
        ephemeral: bool = True,
    ) -> tuple[requests.Response, str]:
        """A block_actions payload (form field ``payload``), as Slack sends a button click."""
        response_url = self.fake.response_url()
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": team_id, "domain": "flexcalc-test"},
            "user": {"id": user_id, "username": "alice", "team_id": team_id},
            "api_app_id": "A0FLEXCALC",
            "trigger_id": trigger_id(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "flex_actions",
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }
        if channel_id:
            payload["channel"] = {"id": channel_id, "name": "general"}
            payload["container"] = {
                "type": "message",
                "channel_id": channel_id,
                "is_ephemeral": ephemeral,
            }
            payload["response_url"] = response_url
        else:
            payload["container"] = {"type": "view", "view_id": "VHOME"}
            payload["view"] = {"id": "VHOME", "type": "home"}
        body = urlencode({"payload": json.dumps(payload)})
        return self._post(body, "application/x-www-form-urlencoded"), response_url


def block_text(message: dict[str, Any]) -> str:
    """All the text a user sees in a Block Kit message, flattened."""
    out: list[str] = [message.get("text", "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "alt_text", "value"):
                value = node.get(key)
                if isinstance(value, str):
                    out.append(value)
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    blocks = message.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    walk(blocks or [])
    return "\n".join(out)
