"""Who may run each command word: the command table's permissions column, kept in a module of
its own (no numeric imports) so the web process, which never loads the table, reads the same
rule when it refuses the Home tab's alert form inline.

``everyone``; ``channel_managers``, whoever the workspace's ``admin`` policy lets point alerts
and digests at a channel (everyone by default, admins under ``admins``); or ``admins``, the
workspace's admins only. A word may decide by its parsed request's ``action`` (``ByAction``).
``bot.security.admin.refusal`` enforces the rule at every door.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Who = Literal["everyone", "channel_managers", "admins"]

EVERYONE: Who = "everyone"
CHANNEL_MANAGERS: Who = "channel_managers"
ADMINS: Who = "admins"


@dataclass(frozen=True)
class ByAction:
    """A rule by the request's ``action``: ``action`` needs ``who``; other actions are open."""

    action: str
    who: Who


WhoRule = Who | ByAction

# Pointing alerts or a digest at a channel (``subscribe``, a threshold alert included) is for
# channel managers; reading them is for everyone.
SUBSCRIBING = ByAction("subscribe", CHANNEL_MANAGERS)

# The column: each word's rule (the table's rows take theirs from here); unlisted: everyone.
WHO: dict[str, WhoRule] = {"alerts": SUBSCRIBING, "digest": SUBSCRIBING}


def who_under(rule: WhoRule, action: str | None = None) -> Who:
    """Who may run a request with this ``action`` under ``rule``."""
    if isinstance(rule, ByAction):
        return rule.who if action == rule.action else EVERYONE
    return rule


def who_may_run(word: str, action: str | None = None) -> Who:
    """Who may run ``word`` with this ``action`` (``alerts``, ``subscribe``: channel managers)."""
    return who_under(WHO.get(word, EVERYONE), action)
