"""Delivery claims: the row that makes each alert go out exactly once.

Protocol (per subscription, local date and kind):

1. ``claim`` inserts a ``pending`` row; ``UNIQUE(subscription_id, local_date, kind)`` means only
   one clock can win. An existing row is taken over only if it is ``failed`` and due for a retry,
   or ``pending`` for longer than ``stale_after`` (its clock crashed), by a conditional UPDATE.
2. The caller posts. A takeover (``Claim.retry``) first asks Slack whether the crashed attempt
   already posted (see ``bot.alerts.slack_post.find_posted``), so a crash between posting and
   step 3 does not double-post.
3. ``mark_sent`` / ``mark_failed`` / ``give_up`` records the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, and_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.subscriptions import (
    FAILED,
    GAVE_UP,
    PENDING,
    SENT,
    Delivery,
    naive_utc,
    utcnow,
)

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Claim:
    """A delivery this clock now owns."""

    delivery_id: int
    attempt: int
    claimed_at: datetime  # naive UTC
    previous_claim_at: datetime | None  # set on a takeover: the earlier attempt's claim time

    @property
    def retry(self) -> bool:
        return self.previous_claim_at is not None


def claim(
    engine: Engine,
    subscription_id: int,
    local_date: date,
    kind: str,
    holder: str,
    *,
    stale_after: timedelta,
    event: tuple[datetime, datetime] | None = None,
    dead_holders: frozenset[str] = frozenset(),
) -> Claim | None:
    """Own the delivery, or None if it is sent, given up, or being worked on elsewhere.

    A pending claim of a holder in ``dead_holders`` (a worker known to be gone) is taken over
    at once, without waiting ``stale_after``."""
    now = utcnow()
    try:
        with Session(engine) as session, session.begin():
            row = Delivery(
                subscription_id=subscription_id,
                local_date=local_date,
                kind=kind,
                status=PENDING,
                claimed_by=holder,
                claimed_at=now,
                attempts=1,
                event_start=naive_utc(event[0]) if event else None,
                event_end=naive_utc(event[1]) if event else None,
            )
            session.add(row)
            session.flush()
            return Claim(row.id, 1, now, None)
    except IntegrityError:
        pass
    with Session(engine) as session:
        row = session.scalars(
            select(Delivery).where(
                Delivery.subscription_id == subscription_id,
                Delivery.local_date == local_date,
                Delivery.kind == kind,
            )
        ).one_or_none()
        if row is None:
            return None  # deleted with its subscription meanwhile
        status, attempts, claimed_at = row.status, row.attempts, row.claimed_at
        alive = row.claimed_by not in dead_holders
        due = row.next_attempt_at is None or row.next_attempt_at <= now
    if status in (SENT, GAVE_UP):
        return None
    if status == PENDING and claimed_at > now - stale_after and alive:
        return None
    if status == FAILED and not due:
        return None
    if attempts >= MAX_ATTEMPTS:
        give_up(engine, row.id, "too many failed attempts")
        return None
    with engine.begin() as conn:
        won = conn.execute(
            update(Delivery)
            .where(
                Delivery.id == row.id,
                Delivery.status == status,
                Delivery.attempts == attempts,
            )
            .values(status=PENDING, claimed_by=holder, claimed_at=now, attempts=attempts + 1)
        ).rowcount
    return Claim(row.id, attempts + 1, now, claimed_at) if won == 1 else None


def mark_sent(engine: Engine, delivery_id: int, holder: str, message_ts: str) -> bool:
    """Record the post; False if another clock took the claim over meanwhile."""
    with engine.begin() as conn:
        return (
            conn.execute(
                update(Delivery)
                .where(
                    Delivery.id == delivery_id,
                    Delivery.claimed_by == holder,
                    Delivery.status == PENDING,
                )
                .values(status=SENT, sent_at=utcnow(), message_ts=message_ts, error="")
            ).rowcount
            == 1
        )


def mark_failed(engine: Engine, delivery_id: int, error: str, retry_at: datetime) -> None:
    """A transient failure: try again from ``retry_at`` (naive UTC)."""
    with engine.begin() as conn:
        conn.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == PENDING)
            .values(status=FAILED, error=error[:500], next_attempt_at=retry_at)
        )


def give_up(engine: Engine, delivery_id: int, error: str) -> None:
    """A permanent failure: never retried."""
    with engine.begin() as conn:
        conn.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status != SENT)
            .values(status=GAVE_UP, error=error[:500])
        )


def pending_holders(engine: Engine) -> set[str]:
    """Who holds the claims still pending (being posted, or left by a crash)."""
    with Session(engine) as session:
        rows = session.scalars(
            select(Delivery.claimed_by).where(Delivery.status == PENDING).distinct()
        ).all()
    return {holder for holder in rows if holder}


def settled(engine: Engine, keys: list[tuple[int, date, str]]) -> set[tuple[int, date, str]]:
    """Which (subscription, local date, kind) keys are already sent or given up."""
    if not keys:
        return set()
    done: set[tuple[int, date, str]] = set()
    with Session(engine) as session:
        for start in range(0, len(keys), 400):
            chunk = keys[start : start + 400]
            rows = session.execute(
                select(Delivery.subscription_id, Delivery.local_date, Delivery.kind).where(
                    and_(
                        tuple_(Delivery.subscription_id, Delivery.local_date, Delivery.kind).in_(
                            chunk
                        ),
                        Delivery.status.in_([SENT, GAVE_UP]),
                    )
                )
            ).all()
            done.update((r[0], r[1], r[2]) for r in rows)
    return done


def threshold_spans(engine: Engine, subscription_id: int) -> list[tuple[datetime, datetime]]:
    """Spans (naive UTC) of the threshold events already announced (or being announced)."""
    with Session(engine) as session:
        rows = session.execute(
            select(Delivery.event_start, Delivery.event_end).where(
                Delivery.subscription_id == subscription_id,
                Delivery.event_start.is_not(None),
            )
        ).all()
    return [(a, b) for a, b in rows if a is not None and b is not None]
