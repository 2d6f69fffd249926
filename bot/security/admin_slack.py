"""``/flex admin``, ``/flex my data`` and the subscription gate on the Bolt app
(``bot.security.admin``, ``bot.security.my_data``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.blocks import as_dicts, reply_blocks, reply_text
from bot.security.admin import ADMIN_COMMAND, ASK_AN_ADMIN, RESTRICTED, admin_reply, may_subscribe
from bot.security.my_data import MY_DATA, my_data_reply
from flexcalc.reply import Reply, error_reply


def _ephemeral(reply: Reply) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": reply_text(reply),
            "blocks": as_dicts(reply_blocks(reply, with_buttons=False))}  # fmt: skip


class SubscriptionGate(Middleware):
    """Bolt global middleware: under the ``admins`` policy, non-admins' channel subscriptions
    are answered "ask an admin" (in the slash command's own response) and go no further."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body or {}
        text = str(body.get("text") or "")
        if body.get("command") != "/flex" or not RESTRICTED.match(text):
            next()
            return resp
        team, user = str(body.get("team_id") or ""), str(body.get("user_id") or "")
        if may_subscribe(self.engine, req.context.client, team, user):
            next()
            return resp
        answer = _ephemeral(error_reply(ASK_AN_ADMIN, ["See who can: /flex admin"]))
        return BoltResponse(status=200, body=json.dumps(answer),
                            headers={"content-type": "application/json"})  # fmt: skip


def register(app: App, engine: Engine | None) -> None:
    """``/flex admin`` and the subscription gate (register before the other /flex listeners)."""
    if engine is None:
        return
    app.use(SubscriptionGate(engine))

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
