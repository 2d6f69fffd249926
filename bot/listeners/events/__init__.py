"""Events: @mentions, direct messages and the Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import App


def is_direct_message(event: dict[str, Any]) -> bool:
    """Listener matcher: a message in a DM with the app."""
    return event.get("channel_type") == "im"


def register(app: App) -> None:
    app.event("app_mention")(lazy=["answer_mention"])
    app.event("message", matchers=[is_direct_message])(lazy=["answer_dm"])
    app.event("app_home_opened")(lazy=["publish_home"])
