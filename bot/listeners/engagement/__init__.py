"""Listeners: "I'll do it" buttons and cancelling pledges.

``/flex impact|digest|forget`` are ordinary commands (``bot.commands.table``), answered by the
/flex listener like every other word.
"""

from __future__ import annotations

import re

from slack_bolt import App

from bot.blocks import CANCEL_ACTION, PLEDGE_ACTION


def register(app: App) -> None:
    """The pledge and cancel buttons."""
    app.action(re.compile(rf"^{PLEDGE_ACTION}_\d+$"))(lazy=["pledge"])
    app.action(CANCEL_ACTION)(lazy=["cancel_pledge"])
