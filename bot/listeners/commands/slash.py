"""One handler for all four slash commands: they only differ in the word they put in front."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.answering import Where
from bot.delivery import Target, apologise_on_error, deliver
from bot.services import Services

SLASH_COMMANDS = ("/flex", "/bestslot", "/carbon", "/prices")


def command_line(command: str, text: str) -> str:
    """``/bestslot`` + ``4h`` -> ``bestslot 4h``; ``/flex`` + ``region NG1`` -> ``region NG1``."""
    text = " ".join((text or "").split())
    word = command.lstrip("/").lower()
    if word == "flex":
        return text or "help"
    return f"{word} {text}".strip()


def ack_command(ack: Ack) -> None:
    """Acknowledge within Slack's 3 seconds; the answer follows through response_url."""
    ack()


def make_answer_command(services: Services) -> Callable[..., None]:
    def answer_command(command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        where = Where(
            team_id=command.get("team_id", ""),
            channel_id=command.get("channel_id"),
            user_id=command.get("user_id"),
        )
        line = command_line(command.get("command", "/flex"), command.get("text", ""))
        target = Target(
            client=client,
            channel_id=where.channel_id,
            user_id=where.user_id,
            respond=respond,
            shareable=True,
        )
        with apologise_on_error(target, line):
            shown = f"{command.get('command', '/flex')} {command.get('text', '')}".strip()
            deliver(line, shown, services, where, target)

    return answer_command
