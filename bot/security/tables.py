"""The security modules' tables (registered by ``bot.storage.models``; no logic here, so the
storage layer imports nothing else of ``bot.security``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base
from bot.storage.subscriptions import utcnow

EVERYONE, ADMINS = "everyone", "admins"


class SeenRequest(Base):
    """One request identity already acted on (kept ``WINDOW``)."""

    __tablename__ = "seen_requests"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # kind + hash of the id
    seen_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class ScheduledErasure(Base):
    """A workspace whose data is erased at ``erase_after`` (it uninstalled the app)."""

    __tablename__ = "scheduled_erasures"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), default="")
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    erase_after: Mapped[datetime] = mapped_column(DateTime, index=True)


class WorkspacePolicy(Base):
    """Who may subscribe channels in one workspace; extra Flexcalc admins."""

    __tablename__ = "workspace_policies"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    subscribers: Mapped[str] = mapped_column(String(16), default=EVERYONE)
    admins: Mapped[str] = mapped_column(Text, default="")  # comma-separated user ids
    updated_by: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


# slack_sdk declares its OAuth token columns String(200); encrypted (and rotated, ``xoxe.``)
# tokens are longer, and PostgreSQL enforces VARCHAR lengths: they are Text (migration 0004).
TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


def widen_token_columns(table: Table) -> Table:
    """slack_sdk's installations or bots table with its token columns as Text."""
    for name in TOKEN_COLUMNS:
        if name in table.c:
            table.c[name].type = Text()
    return table
