"""Events: @mentions, direct messages and the Home tab."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.events.app_home_opened import make_publish_home
from bot.listeners.events.messages import (
    ack_event,
    is_direct_message,
    make_answer_dm,
    make_answer_mention,
)
from bot.services import Services


def register(app: App, services: Services) -> None:
    app.event("app_mention")(ack=ack_event, lazy=[make_answer_mention(services)])
    app.event("message", matchers=[is_direct_message])(
        ack=ack_event, lazy=[make_answer_dm(services)]
    )
    app.event("app_home_opened")(ack=ack_event, lazy=[make_publish_home(services)])
