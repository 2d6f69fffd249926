"""Escaping of user-typed text wherever a reply echoes it (Slack mrkdwn and fallback text, Teams
markdown in Adaptive Cards and plain-text replies).

Slack: ``&``, ``<`` and ``>`` become entities, so ``<!channel>``, ``<!subteam^S1>``, ``<@U123>``
and ``<https://x|y>`` can never be live. The only mentions kept are those the app itself put in
a reply and listed by user id in ``Reply.data["mentions"]`` (the impact leaderboard). Channel
references ``<#C123>`` stay links (label dropped): they notify nobody and never leave Slack, and
the app names channels that way in its confirmations.

Teams: markdown links (``[text](url)``) and autolinks (``<https://…>``, bare URLs and bare
domains) are defused: brackets, angle brackets and backslashes are backslash-escaped, and a
zero-width space breaks URL schemes and the dots of domain names (not of numbers), so a user's
text never becomes a clickable link. Emphasis (``**bold**``) is left alone: the app's own replies
use it and it cannot lead anywhere.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

ZWSP = "\u200b"
_ESCAPED_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]{2,})&gt;")
_ESCAPED_CHANNEL = re.compile(r"&lt;#([CG][A-Z0-9]{2,})(?:\|[A-Za-z0-9_-]{0,80})?&gt;")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?=//)|\b(mailto|tel|javascript|data):", re.I)
_DOMAIN_DOT = re.compile(r"(?<=\w)\.(?=[A-Za-z])")  # evil.example, www.x: fuzzy autolinks
_LINK_CHARS = re.compile(r"([\\\[\]<>])")


def slack(text: str, mentions: Iterable[str] = ()) -> str:
    """``text`` for Slack mrkdwn or fallback text: nothing in it can mention, link or notify;
    ``<@ID>`` stays a mention only for the user ids in ``mentions``."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _ESCAPED_CHANNEL.sub(r"<#\1>", escaped)
    allowed = frozenset(mentions)
    if not allowed:
        return escaped
    return _ESCAPED_MENTION.sub(
        lambda m: f"<@{m.group(1)}>" if m.group(1) in allowed else m.group(0), escaped
    )


def teams(text: str) -> str:
    """``text`` for Adaptive Card markdown: no links, no autolinks."""
    text = _LINK_CHARS.sub(r"\\\1", text)
    text = _SCHEME.sub(lambda m: m.group(0)[:-1] + ZWSP + ":", text)
    return _DOMAIN_DOT.sub("." + ZWSP, text)


def teams_plain(text: str) -> str:
    """``text`` for a Teams plain-text message (rendered as markdown with some HTML)."""
    return teams(html.escape(text, quote=False))
