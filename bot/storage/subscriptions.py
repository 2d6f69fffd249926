"""Alert subscriptions, their deliveries and the clock lease (SQLAlchemy 2).

Every subscription row is scoped by workspace (``team_id``) and channel. A delivery row is the
claim on "post alert KIND for subscription S on local date D": ``UNIQUE(subscription_id,
local_date, kind)`` makes the claim atomic, so two clocks (or a restarted one) can never both
own it. Times are stored as naive UTC (``utcnow``) so SQLite and PostgreSQL compare alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base

DAILY = "daily"
TOMORROW = "tomorrow"
THRESHOLD = "threshold"

ACTIVE = "active"
PAUSED = "paused"
DISABLED = "disabled"

PENDING = "pending"
SENT = "sent"
FAILED = "failed"  # retried later (next_attempt_at) until the grace period ends
GAVE_UP = "gave_up"  # permanent: channel gone, bot removed, too many attempts


def utcnow() -> datetime:
    """Current UTC time as a naive datetime (the storage convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def naive_utc(moment: datetime) -> datetime:
    """Any aware datetime (or pandas Timestamp) as naive UTC; naive input is taken as UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


class Subscription(Base):
    """A channel's alert: daily at ``at_time`` (UK), or a price/carbon threshold."""

    __tablename__ = "alert_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = mapped_column(String(32), default="")
    kind: Mapped[str] = mapped_column(String(16), default=DAILY)  # daily | threshold
    at_time: Mapped[str] = mapped_column(String(5), default="08:00")  # HH:MM Europe/London
    region_letter: Mapped[str] = mapped_column(String(1))
    duration_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tomorrow: Mapped[bool] = mapped_column(Boolean, default=False)
    metric: Mapped[str | None] = mapped_column(String(8), nullable=True)  # price | carbon
    op: Mapped[str | None] = mapped_column(String(8), nullable=True)  # below | above
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    paused_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")  # why it was disabled, shown in `list`
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def is_live(self, now: datetime) -> bool:
        """Active and not snoozed at ``now`` (naive UTC)."""
        if self.status != ACTIVE:
            return False
        return self.paused_until is None or self.paused_until <= now

    def describe(self) -> str:
        """One line for `alerts list` and the Home tab."""
        if self.kind == THRESHOLD:
            unit = "p/kWh" if self.metric == "price" else "gCO2/kWh"
            text = f"when {self.metric} {self.op} {self.threshold:g} {unit}"
        elif self.kind == "digest":  # issue 7 (bot.engagement): weekday in its own table
            text = f"weekly leadership digest at {self.at_time}"
        else:
            text = f"daily at {self.at_time}"
            if self.duration_minutes:
                text += f", {_hours(self.duration_minutes)} load"
            if self.tomorrow:
                text += ", plus tomorrow's prices when published"
        return f"{text} in region {self.region_letter}"


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min" if hours else f"{rest} min"


class Delivery(Base):
    """One claimed post: pending -> sent, or failed (retry later) / gave_up (permanent)."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "local_date", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), index=True
    )
    local_date: Mapped[date] = mapped_column(Date)  # the Europe/London day it is for
    kind: Mapped[str] = mapped_column(String(40))  # daily | tomorrow | threshold:<UTC start>
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    claimed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    message_ts: Mapped[str] = mapped_column(String(32), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    # Threshold events: the span of the crossing this delivery announced (naive UTC).
    event_start: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    event_end: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ClockLease(Base):
    """The single row a clock must hold to act: ``holder`` until ``expires_at`` (naive UTC)."""

    __tablename__ = "alert_clock_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64), default="")
    expires_at: Mapped[datetime] = mapped_column(DateTime)
