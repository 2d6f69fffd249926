"""Teams channels and teams that go away stop their alerts, like Slack's ``channel_deleted``.

The bot (``/api/messages``) receives ``conversationUpdate`` activities: ``channelData.eventType``
``channelDeleted``, ``teamDeleted``, ``teamHardDeleted`` or ``teamArchived``, or
``membersRemoved`` naming the bot itself (removed from a team or a chat). The alerts posting
there are disabled with a note: the bot's conversations in that channel (or the whole team, or
the chat), and the Workflows URLs registered from that channel (or team). A Workflows URL that
answers 404 or 410 later is disabled by the alerts clock (``bot.destinations.teams``).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine

from bot.alerts import store
from bot.storage.teams import conversation_key, conversations, destinations
from bot.where import short_id

log = logging.getLogger(__name__)

TEAM_GONE = {
    "teamDeleted": "the team was deleted",
    "teamHardDeleted": "the team was deleted",
    "teamArchived": "the team was archived",
}


def _bot_removed(activity: dict[str, Any]) -> bool:
    bot = (activity.get("recipient") or {}).get("id")
    return bool(bot) and any(m.get("id") == bot for m in activity.get("membersRemoved") or [])


def _gone(activity: dict[str, Any], engine: Engine, team_key: str) -> tuple[list[str], str]:
    """(alert destinations to stop, why) for one conversationUpdate; nothing for other kinds."""
    data = activity.get("channelData") or {}
    event = str(data.get("eventType") or "")
    team = (data.get("team") or {}).get("id")
    if event == "channelDeleted":
        channel = str((data.get("channel") or {}).get("id") or "")
        origin = short_id("msc", channel)
        hooks = [key for key, *_ in destinations(engine, team_id=team_key, origin=origin)]
        return [conversation_key(channel), *hooks], "the Teams channel was deleted"
    if event in TEAM_GONE or (team and _bot_removed(activity)):
        hooks = [key for key, *_ in destinations(engine, team_id=team_key)]
        why = TEAM_GONE.get(event, "Flexcalc was removed from the team")
        return [*conversations(engine, team_key), *hooks], why
    if _bot_removed(activity):  # a personal or group chat
        chat = str((activity.get("conversation") or {}).get("id") or "").split(";")[0]
        return [conversation_key(chat)], "Flexcalc was removed from the chat"
    return [], ""


def conversation_gone(engine: Engine, activity: dict[str, Any], team_key: str) -> int:
    """Disable the alerts a channel, team or chat that went away was receiving; how many."""
    keys, why = _gone(activity, engine, team_key)
    stopped = sum(store.disable_channel(engine, team_key, key, f"Stopped: {why}.") for key in keys)
    if keys:
        log.info("Teams %s: %d alert(s) stopped", why, stopped)
    return stopped
