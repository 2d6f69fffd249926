"""Workspace and channel lifecycle events from Slack (``manifest.json`` subscribes to them).

- ``app_uninstalled`` and ``tokens_revoked`` (bot token): the workspace's tokens are deleted at
  once, its alerts and digests stop and its data is scheduled for erasure
  (``bot.security.retention``). Revoked user tokens are just deleted.
- ``channel_deleted`` / ``channel_archive`` / ``group_deleted`` / ``group_archive``: the alerts
  posting there are disabled with a note.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from sqlalchemy import Engine

from bot.security.retention import channel_gone, workspace_left

CHANNEL_GONE_EVENTS = ("channel_deleted", "channel_archive", "group_deleted", "group_archive")


# -- Slack listeners --------------------------------------------------------------------------


def register(app: App, engine: Engine | None) -> None:
    """The lifecycle event listeners (``manifest.json`` subscribes to these events)."""
    if engine is None:
        return

    def uninstalled(body: dict[str, Any], context: Any) -> None:
        team_id = context.team_id or body.get("team_id") or ""
        if app.installation_store is not None:
            app.installation_store.delete_all(enterprise_id=context.enterprise_id, team_id=team_id)
        workspace_left(engine, team_id, "app uninstalled")

    def revoked(body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        team_id = context.team_id or body.get("team_id") or ""
        tokens = event.get("tokens") or {}
        installations = app.installation_store
        if installations is not None:
            for user_id in tokens.get("oauth") or []:
                installations.delete_installation(
                    enterprise_id=context.enterprise_id, team_id=team_id, user_id=user_id
                )
        if tokens.get("bot"):
            if installations is not None:
                installations.delete_all(enterprise_id=context.enterprise_id, team_id=team_id)
            workspace_left(engine, team_id, "bot token revoked")

    def gone(body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        channel = event.get("channel")
        channel_id = channel.get("id") if isinstance(channel, dict) else channel
        if channel_id:
            channel_gone(engine, context.team_id or body.get("team_id") or "", str(channel_id),
                         str(event.get("type", "")))  # fmt: skip

    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)
    for name in CHANNEL_GONE_EVENTS:
        app.event(name)(gone)
