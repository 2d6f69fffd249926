"""``/flex admin`` and ``/flex my data`` on the Bolt app (``bot.security.admin``,
``bot.security.my_data``). Who may run the other commands is checked where they are answered
(``bot.answering.reply_for``, from the command table's ``who``)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.blocks import as_dicts, reply_blocks, reply_text
from bot.security.admin import ADMIN_COMMAND, admin_reply
from bot.security.my_data import MY_DATA, my_data_reply
from flexcalc.reply import Reply


def _ephemeral(reply: Reply) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": reply_text(reply),
            "blocks": as_dicts(reply_blocks(reply, with_buttons=False))}  # fmt: skip


def register(app: App, engine: Engine | None) -> None:
    """``/flex admin`` and ``/flex my data`` (register before the other /flex listeners)."""
    if engine is None:
        return

    def is_admin_command(body: dict[str, Any]) -> bool:
        return bool(ADMIN_COMMAND.match(str(body.get("text") or "")))

    def answer(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        team, user = str(body.get("team_id") or ""), str(body.get("user_id") or "")
        reply = admin_reply(str(body.get("text") or ""), engine, client, team, user)
        respond(**_ephemeral(reply), replace_original=False)

    app.command("/flex", matchers=[is_admin_command])(answer)

    def is_my_data(body: dict[str, Any]) -> bool:
        return bool(MY_DATA.match(str(body.get("text") or "")))

    def my_data(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team, user = str(body.get("team_id") or ""), str(body.get("user_id") or "")
        respond(**_ephemeral(my_data_reply(engine, team, user)), replace_original=False)

    app.command("/flex", matchers=[is_my_data])(my_data)
