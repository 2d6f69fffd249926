"""Admin controls: who may point alerts and digests at a channel.

A workspace's policy (``workspace_policies``) says who may subscribe channels: ``everyone`` (the
default: Flexcalc behaves as before) or ``admins``. Admins are the workspace's Slack admins and
owners (``users.info``, scope ``users:read``) plus the people a Slack admin named Flexcalc admins.

``/flex admin`` shows the policy; ``/flex admin subscriptions admins|everyone`` and
``/flex admin add|remove @person`` change it (admins only). Under ``admins``, anybody else
trying ``/flex alerts subscribe``, ``/flex alerts when`` or ``/flex digest subscribe`` gets a
clear "ask an admin" reply and nothing changes (``bot.security.admin_slack`` wires this into
the Bolt app).
"""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.security.tables import ADMINS, EVERYONE, WorkspacePolicy
from flexcalc.reply import Reply, error_reply

log = logging.getLogger(__name__)

RESTRICTED = re.compile(r"^\s*(alerts\s+(subscribe|when)|digest\s+subscribe)\b", re.IGNORECASE)
ADMIN_COMMAND = re.compile(r"^\s*admin\b", re.IGNORECASE)
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
ASK_AN_ADMIN = (
    "Only this workspace's admins can subscribe channels to Flexcalc alerts and digests. "
    "Ask an admin to set it up, or to run `/flex admin subscriptions everyone`."
)


def get_policy(engine: Engine, team_id: str) -> tuple[str, list[str]]:
    """(who may subscribe, extra Flexcalc admins) of a workspace."""
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


def is_admin(engine: Engine, client: WebClient | None, team_id: str, user_id: str) -> bool:
    _, extra = get_policy(engine, team_id)
    return user_id in extra or is_slack_admin(client, user_id)


def may_subscribe(engine: Engine, client: WebClient | None, team_id: str, user_id: str) -> bool:
    subscribers, _ = get_policy(engine, team_id)
    return subscribers == EVERYONE or is_admin(engine, client, team_id, user_id)


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
