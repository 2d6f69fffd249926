"""One handler for all four slash commands: they only differ in the word they put in front."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.commands.table import command_line
from bot.delivery import apologise_on_error, deliver
from bot.listeners.payloads import command_where, private_target
from bot.services import Services


def make_answer_command(services: Services) -> Callable[..., None]:
    def answer_command(command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        where = command_where(command)
        line = command_line(command.get("text", ""), command.get("command", "/flex"))
        target = private_target(client, where, respond)
        with apologise_on_error(target, line):
            shown = f"{command.get('command', '/flex')} {command.get('text', '')}".strip()
            deliver(line, shown, services, where, target)

    return answer_command
