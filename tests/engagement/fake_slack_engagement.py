"""The alerts fake Slack plus what pledges need: scheduled messages that can be deleted, a
channel list, and the scheduled DMs a user would eventually see."""

from __future__ import annotations

import itertools
import threading
from typing import Any

from tests.alerts.fake_slack_alerts import AlertsFakeSlack


class EngagementFakeSlack(AlertsFakeSlack):
    def __init__(self) -> None:
        super().__init__()
        self.scheduled: dict[str, dict[str, Any]] = {}  # id -> params (live ones only)
        self.channels = {"general": "C0GENERAL", "leadership": "C0LEAD"}
        self._sched_ids = itertools.count(1)
        self._sched_lock = threading.Lock()

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if self.workspaces.get(token or "") is None or (method, None) in self.errors:
            return super()._answer(method, params, token)
        if method == "chat.scheduleMessage":
            with self._sched_lock:
                message_id = f"Q{next(self._sched_ids):08d}"
                self.scheduled[message_id] = dict(params)
            return {
                "ok": True,
                "channel": params.get("channel"),
                "scheduled_message_id": message_id,
                "post_at": int(params.get("post_at", 0)),
            }
        if method == "chat.deleteScheduledMessage":
            with self._sched_lock:
                found = self.scheduled.pop(str(params.get("scheduled_message_id")), None)
            if found is None or found.get("channel") != params.get("channel"):
                return {"ok": False, "error": "invalid_scheduled_message_id"}
            return {"ok": True}
        if method == "chat.scheduledMessages.list":
            with self._sched_lock:
                items = [
                    {"id": k, "channel_id": v.get("channel"), "post_at": int(v["post_at"])}
                    for k, v in self.scheduled.items()
                ]
            return {"ok": True, "scheduled_messages": items}
        if method == "conversations.list":
            return {
                "ok": True,
                "channels": [{"id": i, "name": n} for n, i in self.channels.items()],
                "response_metadata": {"next_cursor": ""},
            }
        return super()._answer(method, params, token)

    def dms_to(self, user: str) -> list[dict[str, Any]]:
        """Messages posted into the app's DM with ``user`` (by user id or DM id)."""
        dm = "D" + user[1:]
        return [
            c.params
            for c in self.calls_to("chat.postMessage")
            if c.params.get("channel") in (user, dm)
        ]
