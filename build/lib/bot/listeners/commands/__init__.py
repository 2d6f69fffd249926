"""Slash commands: /flex, /bestslot, /carbon, /prices (ack at once, answer in a lazy listener)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.commands.slash import SLASH_COMMANDS, make_answer_command
from bot.listeners.payloads import ack_now
from bot.services import Services


def register(app: App, services: Services) -> None:
    answer_command = make_answer_command(services)
    for name in SLASH_COMMANDS:
        app.command(name)(ack=ack_now, lazy=[answer_command])
