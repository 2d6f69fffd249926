"""@mentions (answered in a thread) and DMs (answered in the DM), with the same words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.answering import Where
from bot.commands.table import command_line
from bot.delivery import Target, apologise_on_error, deliver
from bot.services import Services


def command_from_message(text: str) -> str:
    """The command words of a message: mentions removed, a leading slash or ``flex`` dropped."""
    return command_line(text)


def _is_from_a_person(event: dict[str, Any]) -> bool:
    return not (event.get("bot_id") or event.get("subtype"))


def _answer_event(
    services: Services, event: dict[str, Any], client: WebClient, context: Any, in_thread: bool
) -> None:
    """Answer a person's message with the same words as the slash commands."""
    if not _is_from_a_person(event):
        return
    where = Where(
        team_id=context.get("team_id") or event.get("team", ""),
        channel_id=event.get("channel"),
        user_id=event.get("user"),
    )
    line = command_from_message(event.get("text", ""))
    target = Target(
        client=client,
        channel_id=where.channel_id,
        user_id=where.user_id,
        thread_ts=(event.get("thread_ts") or event.get("ts")) if in_thread else None,
    )
    with apologise_on_error(target, line):
        deliver(line, line, services, where, target)


def make_answer_mention(services: Services) -> Callable[..., None]:
    """@Flexcalc in a channel: answered in a thread under the mention."""

    def answer_mention(event: dict[str, Any], client: WebClient, context: Any) -> None:
        _answer_event(services, event, client, context, in_thread=True)

    return answer_mention


def make_answer_dm(services: Services) -> Callable[..., None]:
    """A direct message: answered in the DM."""

    def answer_dm(event: dict[str, Any], client: WebClient, context: Any) -> None:
        _answer_event(services, event, client, context, in_thread=False)

    return answer_dm
