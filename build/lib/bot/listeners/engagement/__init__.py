"""Listeners: "I'll do it" buttons, cancelling pledges, and /flex impact|digest|forget."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.blocks import PLEDGE_ACTION
from bot.engagement.blocks import CANCEL_ACTION
from bot.listeners.engagement.buttons import make_cancel, make_pledge
from bot.listeners.engagement.commands import is_engagement, make_answer
from bot.listeners.payloads import ack_now
from bot.services import Services


def register(app: App, services: Services) -> None:
    """Register before ``bot.listeners.commands``: the first matching /flex listener answers."""
    app.command("/flex", matchers=[is_engagement])(ack=ack_now, lazy=[make_answer(services)])
    app.action(re.compile(rf"^{PLEDGE_ACTION}_\d+$"))(ack=ack_now, lazy=[make_pledge(services)])
    app.action(CANCEL_ACTION)(ack=ack_now, lazy=[make_cancel(services)])
