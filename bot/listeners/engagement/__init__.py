"""Listeners: "I'll do it" buttons and cancelling pledges.

``/flex impact|digest|forget`` are ordinary commands (``bot.commands.table``), answered by the
/flex listener like every other word.
"""

from __future__ import annotations

import re

from slack_bolt import App

from bot.blocks import PLEDGE_ACTION
from bot.engagement.blocks import CANCEL_ACTION
from bot.listeners.engagement.buttons import make_cancel, make_pledge
from bot.listeners.payloads import ack_now
from bot.services import Services


def register(app: App, services: Services) -> None:
    """The pledge and cancel buttons."""
    app.action(re.compile(rf"^{PLEDGE_ACTION}_\d+$"))(ack=ack_now, lazy=[make_pledge(services)])
    app.action(CANCEL_ACTION)(ack=ack_now, lazy=[make_cancel(services)])
