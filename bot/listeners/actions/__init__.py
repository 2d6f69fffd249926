"""Buttons: follow-up commands, "Share to channel", and the Home tab's quick answers."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.blocks import QUICK_ACTION, RUN_ACTION, SHARE_ACTION


def register(app: App) -> None:
    app.action(SHARE_ACTION)(lazy=["share_answer"])
    app.action(re.compile(rf"^{RUN_ACTION}_\d+$"))(lazy=["run_command"])
    app.action(re.compile(rf"^{QUICK_ACTION}_\w+$"))(lazy=["quick_answer"])
