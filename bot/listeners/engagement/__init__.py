"""Listeners for "I'll do it" buttons and cancelling pledges (from a reply, reminder or Home)."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.blocks import PLEDGE_ACTION
from bot.engagement.blocks import CANCEL_ACTION
from bot.listeners.engagement.buttons import ack_action, make_cancel, make_pledge
from bot.services import Services


def register(app: App, services: Services) -> None:
    app.action(re.compile(rf"^{PLEDGE_ACTION}_\d+$"))(ack=ack_action, lazy=[make_pledge(services)])
    app.action(CANCEL_ACTION)(ack=ack_action, lazy=[make_cancel(services)])
