"""Buttons: follow-up commands, "Share to channel", and the Home tab's quick answers."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.blocks import QUICK_ACTION, RUN_ACTION, SHARE_ACTION
from bot.listeners.actions.buttons import (
    make_quick_answer,
    make_run_command,
    make_share_answer,
)
from bot.listeners.payloads import ack_now
from bot.services import Services


def register(app: App, services: Services) -> None:
    app.action(SHARE_ACTION)(ack=ack_now, lazy=[make_share_answer(services)])
    app.action(re.compile(rf"^{RUN_ACTION}_\d+$"))(ack=ack_now, lazy=[make_run_command(services)])
    app.action(re.compile(rf"^{QUICK_ACTION}_\w+$"))(
        ack=ack_now, lazy=[make_quick_answer(services)]
    )
