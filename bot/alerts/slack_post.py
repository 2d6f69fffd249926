"""Posting alerts to Slack: per-workspace clients, the message, the chart, and error kinds.

Each workspace's bot token comes from slack_sdk's ``SQLAlchemyInstallationStore`` on the same
database (multi-workspace installs); single-workspace mode falls back to ``SLACK_BOT_TOKEN``.
Every client retries HTTP 429 with ``RateLimitErrorRetryHandler`` (honouring Retry-After).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine

from bot.blocks import as_dicts, pledge_button, reply_blocks
from bot.security.installations import installation_store
from bot.slack_web import make_client
from flexcalc.reply import Reply

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
METADATA_EVENT = "flexcalc_alert"
REMIND_ACTION = "flex_alert_remind"
SNOOZE_ACTION = "flex_alert_snooze"

# Errors meaning "this channel will not accept our posts": disable its subscriptions.
CHANNEL_GONE = {
    "channel_not_found",
    "is_archived",
    "not_in_channel",
    "restricted_action",
    "restricted_action_read_only_channel",
    "restricted_action_thread_only_channel",
    "restricted_action_non_threadable_channel",
    "team_not_found",
}
# Errors meaning "this workspace's token no longer works": disable the workspace's alerts.
TEAM_GONE = {
    "account_inactive",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "team_access_not_granted",
    "ekm_access_denied",
}

REASONS = {
    "channel_not_found": "the channel no longer exists",
    "is_archived": "the channel was archived",
    "not_in_channel": "Flexcalc is not a member of the channel",
    "account_inactive": "Flexcalc was uninstalled or deactivated in this workspace",
    "token_revoked": "Flexcalc's access to this workspace was revoked",
    "invalid_auth": "Flexcalc's token for this workspace is no longer valid",
}


def error_code(error: SlackApiError) -> str:
    return str(error.response.get("error", "unknown_error")) if error.response else "unknown"


def error_kind(code: str) -> str:
    """``channel`` (disable the channel), ``team`` (disable the workspace) or ``retry``."""
    if code in CHANNEL_GONE:
        return "channel"
    if code in TEAM_GONE:
        return "team"
    return "retry"


def disabled_note(code: str, today: str) -> str:
    reason = REASONS.get(code, f"Slack refused the post ({code})")
    return (
        f"Stopped on {today}: {reason}. Invite @Flexcalc to the channel and run "
        "`/flex alerts subscribe` again to restart."
    )


class SlackClients:
    """The WebClient for each workspace (team id), from installations or the single token."""

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        client_id: str | None = None,
        default_token: str | None = None,
        base_url: str | None = None,
    ) -> None:
        self._store: SQLAlchemyInstallationStore | None = None
        if engine is not None and client_id:
            self._store = installation_store(client_id, engine)  # tokens encrypted at rest
            try:
                self._store.metadata.create_all(engine)
            except Exception:  # created concurrently by the web process
                log.debug("installation tables already exist", exc_info=True)
        self._default = default_token
        self._base_url = base_url
        self._clients: dict[str, WebClient] = {}

    @classmethod
    def from_env(cls, engine: Engine | None) -> SlackClients:
        return cls(
            engine,
            client_id=os.environ.get("SLACK_CLIENT_ID") or None,
            default_token=os.environ.get("SLACK_BOT_TOKEN") or None,
            base_url=os.environ.get("SLACK_API_URL") or None,
        )

    def token_for(self, team_id: str) -> str | None:
        if self._store is not None:
            bot = self._store.find_bot(enterprise_id=None, team_id=team_id)
            if bot is not None and bot.bot_token:
                return bot.bot_token
        return self._default

    def for_team(self, team_id: str) -> WebClient | None:
        token = self.token_for(team_id)
        if token is None:
            return None
        if token not in self._clients:
            self._clients[token] = make_client(token, self._base_url)
        return self._clients[token]


def alert_buttons(reply: Reply, subscription_id: int) -> dict[str, Any]:
    """ "I'll do it" pledges, "Remind me at the best time" and "Snooze alerts for a week"."""

    elements: list[dict[str, Any]] = [
        pledge_button(a.label, a.command, i).to_dict()
        for i, a in enumerate(reply.actions)
        if a.kind == "pledge"
    ]
    best = reply.data.get("best")
    if best:
        value = json.dumps(
            {"start": best["start"], "end": best["end"], "title": reply.title[:150]},
            separators=(",", ":"),
        )
        elements.append(
            {
                "type": "button",
                "action_id": REMIND_ACTION,
                "text": {"type": "plain_text", "text": "Remind me at the best time"},
                "value": value,
                "style": "primary",
            }
        )
    elements.append(
        {
            "type": "button",
            "action_id": SNOOZE_ACTION,
            "text": {"type": "plain_text", "text": "Snooze alerts for a week"},
            "value": str(subscription_id),
        }
    )
    return {"type": "actions", "block_id": "flex_alert_actions", "elements": elements}


def render(reply: Reply, subscription_id: int, chart_url: str | None) -> list[dict[str, Any]]:
    """Block Kit for an alert: the shared renderer's blocks plus the alert buttons."""

    blocks = as_dicts(reply_blocks(reply, chart_url=chart_url, with_buttons=False))
    return [*blocks, alert_buttons(reply, subscription_id)]


def find_posted(client: WebClient, channel: str, since: datetime, delivery_key: str) -> str | None:
    """The ts of an alert already posted for ``delivery_key`` since ``since`` (naive UTC), found
    through the message metadata; None if absent or if history cannot be read."""
    oldest = f"{since.timestamp() if since.tzinfo else _naive_ts(since):.6f}"
    try:
        response = client.conversations_history(
            channel=channel, oldest=oldest, include_all_metadata=True, limit=200
        )
    except SlackApiError as error:
        log.info("cannot check %s for a crashed post (%s)", channel, error_code(error))
        return None
    for message in response.get("messages", []):
        meta = message.get("metadata") or {}
        if (
            meta.get("event_type") == METADATA_EVENT
            and (meta.get("event_payload") or {}).get("delivery") == delivery_key
        ):
            return str(message.get("ts"))
    return None


def _naive_ts(moment: datetime) -> float:
    from datetime import UTC

    return moment.replace(tzinfo=UTC).timestamp()
