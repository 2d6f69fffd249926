"""Admin controls: who may point alerts and digests at a channel, and who may run what.

Who may run each command is declared once, in the command table's permissions column
(``bot.commands.permissions``, which ``Command.who`` reads); ``refusal`` enforces it, and every
door asks it before answering: ``bot.answering.reply_for`` (Slack commands, mentions and DMs,
the Teams outgoing webhook and bot, the shell), the Teams alert paths, and the Slack Home tab's
alert form.

A workspace's policy (``workspace_policies``) says who may subscribe channels
(``channel_managers`` in the table): ``everyone`` (the default) or ``admins``. Admins are the
workspace's Slack admins and owners (``users.info``, scope ``users:read``), in Teams the people
listed in ``FLEX_TEAMS_ADMINS`` (Entra object ids), plus the people an admin named Flexcalc
admins.

``/flex admin`` shows the policy; ``/flex admin subscriptions admins|everyone`` and
``/flex admin add|remove @person`` change it (admins only). Under ``admins``, anybody else
gets a clear "ask an admin" reply and nothing changes.
"""

from __future__ import annotations

import logging
import os
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.commands import permissions
from bot.security.tables import ADMINS, EVERYONE, WorkspacePolicy
from bot.where import short_id
from flexcalc.reply import Reply, error_reply

log = logging.getLogger(__name__)

TEAMS_ADMINS_ENV = "FLEX_TEAMS_ADMINS"
ADMIN_COMMAND = re.compile(r"^\s*admin\b", re.IGNORECASE)
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
ASK_AN_ADMIN = (
    "Only this workspace's admins can subscribe channels to Flexcalc alerts and digests. "
    "Ask an admin to set it up, or to run `/flex admin subscriptions everyone`."
)
ADMINS_ONLY = "Only this workspace's admins can use `{word}`. Ask an admin to run it for you."


def get_policy(engine: Engine | None, team_id: str) -> tuple[str, list[str]]:
    """(who may subscribe, extra Flexcalc admins) of a workspace (no database: the default)."""
    if engine is None:
        return EVERYONE, []
    with Session(engine) as session:
        row = session.get(WorkspacePolicy, team_id)
        if row is None:
            return EVERYONE, []
        return row.subscribers, [a for a in row.admins.split(",") if a]


def _update(engine: Engine, team_id: str, by: str, **values: str) -> None:
    with Session(engine) as session, session.begin():
        row = session.get(WorkspacePolicy, team_id)
        if row is None:
            row = WorkspacePolicy(team_id=team_id, subscribers=EVERYONE, admins="")
            session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_by = by


def is_slack_admin(client: WebClient | None, user_id: str) -> bool:
    """A workspace admin or owner, says Slack (False when it cannot be asked)."""
    if client is None or not user_id:
        return False
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as problem:
        log.warning("users.info failed: %s", problem.response.get("error"))
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def is_teams_admin(user_id: str) -> bool:
    """A Teams user listed in FLEX_TEAMS_ADMINS (Entra object ids or Teams user ids)."""
    listed = [a.strip() for a in os.environ.get(TEAMS_ADMINS_ENV, "").split(",") if a.strip()]
    return bool(user_id) and user_id in {short_id("msu", a) for a in listed}


def is_admin(engine: Engine | None, client: WebClient | None, team_id: str, user_id: str) -> bool:
    """A named Flexcalc admin of the workspace, a Slack admin or owner, or a listed Teams admin."""
    _, extra = get_policy(engine, team_id)
    return user_id in extra or is_teams_admin(user_id) or is_slack_admin(client, user_id)


def may_subscribe(
    engine: Engine | None, client: WebClient | None, team_id: str, user_id: str
) -> bool:
    subscribers, _ = get_policy(engine, team_id)
    return subscribers == EVERYONE or is_admin(engine, client, team_id, user_id)


def refusal(
    who: permissions.Who, word: str, engine: Engine | None, client: WebClient | None, team_id: str,
    user_id: str,
) -> Reply | None:  # fmt: skip
    """The "ask an admin" reply when ``user_id`` may not run a command whose table entry says
    ``who`` (``everyone`` | ``channel_managers`` | ``admins``); None when they may."""
    if who == permissions.EVERYONE:
        return None
    if who == permissions.CHANNEL_MANAGERS:
        if may_subscribe(engine, client, team_id, user_id):
            return None
        return _ask_an_admin(ASK_AN_ADMIN)
    if is_admin(engine, client, team_id, user_id):
        return None
    return _ask_an_admin(ADMINS_ONLY.format(word=word))


def _ask_an_admin(text: str) -> Reply:
    return Reply(title="Ask an admin", summary=text, notes=["See who can: `admin`"],
                 is_error=True, data={"error": "not_allowed"})  # fmt: skip


def admin_reply(
    text: str, engine: Engine, client: WebClient | None, team_id: str, user_id: str
) -> Reply:
    """The answer to ``/flex admin ...``."""
    words = text.split()[1:]
    subscribers, extra = get_policy(engine, team_id)
    if not words:
        named = ", ".join(f"<@{a}>" for a in extra) or "none (Slack's admins and owners only)"
        return Reply(
            title="Flexcalc admin settings",
            summary=f"Who may subscribe channels: *{subscribers}*. Flexcalc admins: {named}.",
            notes=[
                "Change: `/flex admin subscriptions admins` or `everyone`; "
                "`/flex admin add @person`, `/flex admin remove @person` (admins only)."
            ],
            data={"mentions": extra},
        )
    if not is_admin(engine, client, team_id, user_id):
        return error_reply("Only workspace admins can change Flexcalc's admin settings.",
                           ["Ask a workspace admin or owner."])  # fmt: skip
    action = words[0].lower()
    if action == "subscriptions" and len(words) == 2 and words[1].lower() in (EVERYONE, ADMINS):
        _update(engine, team_id, user_id, subscribers=words[1].lower())
        return Reply(title="Admin settings saved",
                     summary=f"Who may subscribe channels: {words[1].lower()}.")  # fmt: skip
    people = _MENTION.findall(" ".join(words[1:]))
    if action in ("add", "remove") and people:
        chosen = set(extra) | set(people) if action == "add" else set(extra) - set(people)
        _update(engine, team_id, user_id, admins=",".join(sorted(chosen)))
        return Reply(title="Admin settings saved",
                     summary=f"Flexcalc admins: {len(chosen)}.")  # fmt: skip
    return error_reply("I didn't get that admin setting.",
                       ["Try: /flex admin subscriptions admins",
                        "Try: /flex admin add @person"])  # fmt: skip
