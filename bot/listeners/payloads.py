"""Reading Slack payloads the same way in every listener's work (jobs)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.answering import Where
from bot.delivery import Target


def action_where(body: dict[str, Any]) -> Where:
    """Workspace, channel and user of a button click (block_actions payload)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return Where(
        team_id=(body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", ""),
        channel_id=channel,
        user_id=(body.get("user") or {}).get("id"),
    )


def command_where(command: dict[str, Any]) -> Where:
    """Workspace, channel and user of a slash command."""
    return Where(
        team_id=command.get("team_id", ""),
        channel_id=command.get("channel_id"),
        user_id=command.get("user_id"),
    )


def action_value(body: dict[str, Any]) -> str:
    """The ``value`` of the first (clicked) action."""
    return str(((body.get("actions") or [{}])[0]).get("value", ""))


def private_target(client: WebClient, where: Where, respond: Respond) -> Target:
    """Answer privately through ``respond``, with a "Share to channel" button."""
    return Target(
        client=client,
        channel_id=where.channel_id,
        user_id=where.user_id,
        respond=respond,
        shareable=True,
    )
