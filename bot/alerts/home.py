"""Block Kit for alerts outside the alert itself: the Home-tab section and the create modal."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import Engine

from bot.alerts import store
from bot.alerts.store import SubscriptionInfo
from bot.storage.subscriptions import ACTIVE, PAUSED, utcnow
from flexcalc.regions import all_regions

PAUSE_ACTION = "flex_alerts_pause"
RESUME_ACTION = "flex_alerts_resume"
REMOVE_ACTION = "flex_alerts_remove"
NEW_ACTION = "flex_alerts_new"
CREATE_CALLBACK = "flex_alerts_create"
NEW_BLOCK = "flex_alerts_new"
LENGTHS = ["default", "1h", "2h", "3h", "4h", "6h", "8h"]


def _state(sub: SubscriptionInfo) -> str:
    if sub.status == ACTIVE and sub.paused_until and sub.paused_until > utcnow():
        return f"snoozed until {sub.paused_until.replace(tzinfo=UTC):%a %d %b}"
    return {PAUSED: "paused", ACTIVE: "on"}.get(sub.status, sub.status)


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def home_blocks(subs: list[SubscriptionInfo]) -> list[dict[str, Any]]:
    """ "Your alerts" for the Home tab: one line per subscription with pause/resume and remove."""
    blocks: list[dict[str, Any]] = [
        {"type": "divider"},
        {"type": "header", "text": {"type": "plain_text", "text": "Your alerts"}},
    ]
    if not subs:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "No alerts yet. Post today's greener times in a channel every "
                    "morning: `/flex alerts subscribe 08:00` there, or create one here.",
                },
            }
        )
    for sub in subs[:20]:
        text = f"<#{sub.channel_id}> — {sub.description} — *{_state(sub)}*"
        if sub.note:
            text += f"\n_{sub.note}_"
        toggle = (
            _button("Resume", RESUME_ACTION, str(sub.id))
            if sub.status != ACTIVE or (sub.paused_until and sub.paused_until > utcnow())
            else _button("Pause", PAUSE_ACTION, str(sub.id))
        )
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
        blocks.append(
            {
                "type": "actions",
                "block_id": f"flex_alert_{sub.id}",
                "elements": [toggle, _button("Remove", REMOVE_ACTION, str(sub.id), "danger")],
            }
        )
    blocks.append(
        {
            "type": "actions",
            "block_id": NEW_BLOCK,
            "elements": [_button("New alert", NEW_ACTION, "new", "primary")],
        }
    )
    return blocks


def user_home_blocks(engine: Engine, team_id: str, user_id: str) -> list[dict[str, Any]]:
    """ "Your alerts" blocks for a user's Home tab (the Home view appends them)."""
    return home_blocks(store.list_for_user(engine, team_id, user_id))


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def create_modal(region_letter: str = "C", channel_id: str | None = None) -> dict[str, Any]:
    """The "New alert" modal: channel, time (UK), region, load length, tomorrow's prices."""
    regions = [_option(r.label, r.letter) for r in all_regions()]
    initial_region = next((o for o in regions if o["value"] == region_letter), regions[0])
    channel: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": "channel",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if channel_id:
        channel["initial_conversation"] = channel_id
    lengths = [_option("1 h, 2 h and 4 h" if v == "default" else v, v) for v in LENGTHS]
    return {
        "type": "modal",
        "callback_id": CREATE_CALLBACK,
        "title": {"type": "plain_text", "text": "New greener-times alert"},
        "submit": {"type": "plain_text", "text": "Create"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "channel",
                "label": _plain("Post in"),
                "element": channel,
            },
            {
                "type": "input",
                "block_id": "at",
                "label": _plain("Every day at (UK time)"),
                "element": {"type": "timepicker", "action_id": "at", "initial_time": "08:00"},
            },
            {
                "type": "input",
                "block_id": "region",
                "label": _plain("Region"),
                "element": {
                    "type": "static_select",
                    "action_id": "region",
                    "options": regions,
                    "initial_option": initial_region,
                },
            },
            {
                "type": "input",
                "block_id": "length",
                "label": _plain("Load length to plan for"),
                "element": {
                    "type": "static_select",
                    "action_id": "length",
                    "options": lengths,
                    "initial_option": lengths[0],
                },
            },
            {
                "type": "input",
                "block_id": "tomorrow",
                "optional": True,
                "label": _plain("Tomorrow's prices"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "tomorrow",
                    "options": [_option("Also post tomorrow's greener times when published", "y")],
                },
            },
        ],
    }


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def modal_command(values: dict[str, Any]) -> tuple[str | None, str]:
    """(channel id, ``alerts subscribe ...`` command line) from a submitted modal's state."""
    channel = values.get("channel", {}).get("channel", {}).get("selected_conversation")
    at = values.get("at", {}).get("at", {}).get("selected_time") or "08:00"
    region = (values.get("region", {}).get("region", {}).get("selected_option") or {}).get(
        "value", "C"
    )
    length = (values.get("length", {}).get("length", {}).get("selected_option") or {}).get(
        "value", "default"
    )
    ticked = values.get("tomorrow", {}).get("tomorrow", {}).get("selected_options") or []
    words = ["alerts", "subscribe", at, "in", region]
    if length != "default":
        words.append(length)
    if ticked:
        words.append("tomorrow")
    return channel, " ".join(words)
