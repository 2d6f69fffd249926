"""Who asked, and where: the one value every door hands the application layer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Where:
    """Who asked, and where (Slack ids; Teams and the shell use their own stable ids)."""

    team_id: str
    channel_id: str | None = None
    user_id: str | None = None


def short_id(kind: str, value: str) -> str:
    """A Teams id (often 60+ chars) as a stable 32-character key (``mst:``/``msc:``/``msu:``
    for a team, channel, user), the form Teams ids take in ``Where`` and the shared tables."""
    return f"{kind}:" + hashlib.sha256(value.encode()).hexdigest()[: 31 - len(kind)]
