"""The clock's heartbeat: one row per clock process, stamped at every tick (naive UTC).

``alerts subscribe`` and ``/readyz`` read the newest beat to tell whether any clock is running
(alerts never arrive without one). Shape agreed with the ``arch`` clock: ``beat(engine, holder)``
once per tick, ``last_beat(engine)`` for readers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import DateTime, Engine, String, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base
from bot.storage.subscriptions import utcnow

STALE_AFTER = timedelta(minutes=10)
FORGET_AFTER = timedelta(days=1)  # rows of clocks that stopped (each start is a new holder)


class ClockHeartbeat(Base):
    """When the clock process ``holder`` last ticked."""

    __tablename__ = "clock_heartbeat"

    holder: Mapped[str] = mapped_column(String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(DateTime)


def beat(engine: Engine, holder: str, now: datetime | None = None) -> None:
    """Record that the clock ``holder`` is alive now."""
    now = now or utcnow()
    with engine.begin() as conn:
        conn.execute(delete(ClockHeartbeat).where(ClockHeartbeat.beat_at < now - FORGET_AFTER))
        done = conn.execute(
            update(ClockHeartbeat).where(ClockHeartbeat.holder == holder).values(beat_at=now)
        ).rowcount
        if done:
            return
    try:
        with engine.begin() as conn:
            conn.execute(ClockHeartbeat.__table__.insert().values(holder=holder, beat_at=now))
    except IntegrityError:  # another thread of the same holder inserted it first
        beat(engine, holder, now)


def last_beat(engine: Engine) -> datetime | None:
    """The newest beat of any clock (naive UTC), or None if no clock ever ran."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(ClockHeartbeat.beat_at))).scalar_one_or_none()


def clock_is_stale(engine: Engine, now: datetime | None = None) -> bool:
    """True when no clock has beaten for ``STALE_AFTER`` (10 minutes)."""
    newest = last_beat(engine)
    return newest is None or (now or utcnow()) - newest > STALE_AFTER
