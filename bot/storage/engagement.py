"""Pledges, leaderboard opt-outs and weekly-digest schedules (SQLAlchemy 2).

Every row is scoped by workspace (``team_id``); nothing here is ever read across workspaces.
Times are naive UTC like the alerts tables (``bot.storage.subscriptions.utcnow``).

A weekly digest is an ``alert_subscriptions`` row of kind ``digest`` (so the alerts clock claims
and records it exactly once with the same deliveries table) plus a ``DigestSchedule`` row here
holding its weekday.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, create_tables
from bot.storage.subscriptions import utcnow

DIGEST = "digest"  # alert_subscriptions.kind of a weekly digest

PLEDGED = "pledged"  # recorded; the window is ahead or its outcome isn't settled yet
CANCELLED = "cancelled"
SETTLED = "settled"  # saving computed from the real outcome
NO_DATA = "no_data"  # the outcome data never arrived; not counted

SCHEDULED = "scheduled"  # reminder waiting in Slack (chat.scheduleMessage)
POSTED = "posted"  # reminder posted straight away (window starting now)
DELETED = "deleted"  # reminder withdrawn (chat.deleteScheduledMessage)
NONE = "none"  # no reminder could be scheduled


class Pledge(Base):
    """One "I'll do it": a user will run ``kwh`` in [start_at, end_at) instead of the baseline."""

    __tablename__ = "engagement_pledges"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "what", "start_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(32), default="")  # where the button was
    what: Mapped[str] = mapped_column(String(16))  # load | ev
    label: Mapped[str] = mapped_column(String(120), default="")
    region_letter: Mapped[str] = mapped_column(String(1))
    start_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    baseline_start: Mapped[datetime] = mapped_column(DateTime)
    kwh: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default=PLEDGED, index=True)
    reminder: Mapped[str] = mapped_column(String(16), default=NONE)
    reminder_channel: Mapped[str] = mapped_column(String(32), default="")
    scheduled_message_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    saved_gbp: Mapped[float | None] = mapped_column(Float, nullable=True)
    saved_kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    carbon_basis: Mapped[str] = mapped_column(String(24), default="")
    outcome_note: Mapped[str] = mapped_column(Text, default="")


class ImpactPrivacy(Base):
    """A user's leaderboard choice in one workspace (absent row: not listed: opt-in)."""

    __tablename__ = "engagement_privacy"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    hidden: Mapped[bool] = mapped_column(Boolean, default=True)


class DigestSchedule(Base):
    """The weekday of a weekly-digest subscription (its time and channel are on the
    subscription row); deleted with it."""

    __tablename__ = "engagement_digest_schedules"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # 0 = Monday


_READY: set[int] = set()


def ensure_tables(engine: Engine) -> None:
    """Create these tables if missing (``init_db`` does it too once models imports this)."""
    if id(engine) in _READY:
        return
    create_tables(engine)
    _READY.add(id(engine))
