"""The clock lease: one database row that only one clock may hold at a time.

Taking or renewing it is a single conditional UPDATE (``holder`` is me, or the lease expired),
which is atomic on SQLite and PostgreSQL alike, so two clocks never both act.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.storage.subscriptions import ClockLease, utcnow

LEASE_NAME = "alerts-clock"
LEASE_TTL = timedelta(seconds=45)  # renewed by the holder's heartbeat
HEARTBEAT_EVERY = 15.0  # seconds between renewals (holder) / takeover attempts (standby)


def new_holder() -> str:
    """A holder name unique to this clock: host, process id and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Held:
    """The lease is ours; ``took_over``: it was another holder's, expired (their pending work
    is now ours to retry)."""

    took_over: bool


def take(engine: Engine, holder_name: str, ttl: timedelta, name: str = LEASE_NAME) -> Held | None:
    """Take or renew the lease for ``ttl``, saying whether it came from another holder; None if
    another live holder has it."""
    previous = holder(engine, name)
    if not acquire(engine, holder_name, ttl, name):
        return None
    return Held(took_over=previous is not None and previous != holder_name)


def acquire(engine: Engine, holder: str, ttl: timedelta, name: str = LEASE_NAME) -> bool:
    """Take (or renew) the lease for ``ttl``; False if another live holder has it."""
    now = utcnow()
    with engine.begin() as conn:
        taken = conn.execute(
            update(ClockLease)
            .where(
                ClockLease.name == name,
                or_(ClockLease.holder == holder, ClockLease.expires_at < now),
            )
            .values(holder=holder, expires_at=now + ttl)
        ).rowcount
    if taken == 1:
        return True
    try:
        with engine.begin() as conn:
            conn.execute(insert(ClockLease).values(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:
        return False  # the row exists and someone else holds it
    return True


def release(engine: Engine, holder: str, name: str = LEASE_NAME) -> None:
    """Give the lease up now (on shutdown) so a standby clock can take over at once."""
    with engine.begin() as conn:
        conn.execute(
            update(ClockLease)
            .where(ClockLease.name == name, ClockLease.holder == holder)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


def holder(engine: Engine, name: str = LEASE_NAME) -> str | None:
    """Who holds (or last held) the lease; None if no clock ever took it."""
    with engine.connect() as conn:
        return conn.execute(select(ClockLease.holder).where(ClockLease.name == name)).scalar()
