"""``/flex impact|digest|forget ...``: answered here, before the general /flex listener.

Registered first with a matcher, so Bolt gives these lines to this listener and every other
``/flex`` line still goes to ``bot.listeners.commands`` unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.answering import reply_to
from bot.delivery import apologise_on_error, send_reply
from bot.engagement.commands import handle_line
from bot.listeners.payloads import command_where, private_target
from bot.services import Services

WORDS = ("impact", "digest", "forget")


def is_engagement(command: dict[str, Any]) -> bool:
    """True for ``/flex impact ...``, ``/flex digest ...`` and ``/flex forget ...``."""
    words = (command.get("text") or "").split()
    return bool(words) and words[0].lower() in WORDS


def make_answer(services: Services) -> Callable[..., None]:
    def answer(command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        where = command_where(command)
        line = " ".join((command.get("text") or "").split())
        target = private_target(client, where, respond)
        with apologise_on_error(target, line):
            reply = handle_line(line, services, where, client)
            if reply is None:  # e.g. "impact yesterday": the shared grammar explains
                reply = reply_to(line, services, where)
            send_reply(reply, target, services=services, where=where, command=f"/flex {line}")

    return answer
