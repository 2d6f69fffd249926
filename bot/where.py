"""Who asked, and where: the one value every door hands the application layer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Where:
    """Who asked, and where (Slack ids; Teams and the shell use their own stable ids)."""

    team_id: str
    channel_id: str | None = None
    user_id: str | None = None
