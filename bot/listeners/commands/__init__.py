"""Slash commands: /flex, /bestslot, /carbon, /prices (ack at once, answer in a lazy job)."""

from __future__ import annotations

from slack_bolt import App

SLASH_COMMANDS = ("/flex", "/bestslot", "/carbon", "/prices")


def register(app: App) -> None:
    for name in SLASH_COMMANDS:
        app.command(name)(lazy=["answer_command"])
