"""Subscription rows: create/update, list, remove, pause, snooze, disable; and plain snapshots.

The clock works on ``SubscriptionInfo`` snapshots (plain frozen dataclasses), never on live ORM
objects, so a long fan-out holds no session open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from bot.storage.subscriptions import (
    ACTIVE,
    DAILY,
    DISABLED,
    PAUSED,
    THRESHOLD,
    Delivery,
    Subscription,
    utcnow,
)


@dataclass(frozen=True)
class SubscriptionInfo:
    """A read-only copy of one subscription row."""

    id: int
    team_id: str
    channel_id: str
    created_by: str
    kind: str
    at_time: str
    region_letter: str
    duration_minutes: int | None
    tomorrow: bool
    metric: str | None
    op: str | None
    threshold: float | None
    status: str
    paused_until: datetime | None
    note: str
    description: str

    @classmethod
    def of(cls, row: Subscription) -> SubscriptionInfo:
        return cls(
            id=row.id,
            team_id=row.team_id,
            channel_id=row.channel_id,
            created_by=row.created_by,
            kind=row.kind,
            at_time=row.at_time,
            region_letter=row.region_letter,
            duration_minutes=row.duration_minutes,
            tomorrow=row.tomorrow,
            metric=row.metric,
            op=row.op,
            threshold=row.threshold,
            status=row.status,
            paused_until=row.paused_until,
            note=row.note,
            description=row.describe(),
        )


def upsert(
    session: Session, key: dict[str, Any], values: dict[str, Any]
) -> tuple[Subscription, bool]:
    """The channel's subscription matching ``key`` (created if missing), set to ``values`` and
    made active again. Returns (row, created)."""
    row = session.scalars(
        select(Subscription).where(*(getattr(Subscription, k) == v for k, v in key.items()))
    ).first()
    created = row is None
    if row is None:
        row = Subscription(**key)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.status, row.paused_until, row.note = ACTIVE, None, ""
    session.flush()
    return row, created


def save_daily(
    engine: Engine,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    at_time: str,
    region_letter: str,
    duration_minutes: int | None,
    tomorrow: bool,
) -> tuple[SubscriptionInfo, bool]:
    """Create the channel's daily alert, or update it (one per channel). (info, created)."""
    with Session(engine) as session, session.begin():
        row, created = upsert(
            session,
            {"team_id": team_id, "channel_id": channel_id, "kind": DAILY},
            {
                "created_by": user_id,
                "at_time": at_time,
                "region_letter": region_letter,
                "duration_minutes": duration_minutes,
                "tomorrow": tomorrow,
            },
        )
        return SubscriptionInfo.of(row), created


def save_threshold(
    engine: Engine,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    region_letter: str,
    metric: str,
    op: str,
    value: float,
) -> tuple[SubscriptionInfo, bool]:
    """Create or update the channel's threshold alert for (metric, op). (info, created)."""
    key = {"team_id": team_id, "channel_id": channel_id, "kind": THRESHOLD, "metric": metric}
    with Session(engine) as session, session.begin():
        row, created = upsert(
            session,
            key | {"op": op},
            {"created_by": user_id, "region_letter": region_letter, "threshold": value},
        )
        return SubscriptionInfo.of(row), created


def list_for_channel(engine: Engine, team_id: str, channel_id: str) -> list[SubscriptionInfo]:
    with Session(engine) as session:
        rows = session.scalars(
            select(Subscription)
            .where(Subscription.team_id == team_id, Subscription.channel_id == channel_id)
            .order_by(Subscription.id)
        ).all()
        return [SubscriptionInfo.of(r) for r in rows]


def list_for_user(engine: Engine, team_id: str, user_id: str) -> list[SubscriptionInfo]:
    """Subscriptions a user created in a workspace (the Home tab)."""
    with Session(engine) as session:
        rows = session.scalars(
            select(Subscription)
            .where(Subscription.team_id == team_id, Subscription.created_by == user_id)
            .order_by(Subscription.channel_id, Subscription.id)
        ).all()
        return [SubscriptionInfo.of(r) for r in rows]


def get(engine: Engine, team_id: str, subscription_id: int) -> SubscriptionInfo | None:
    """One subscription, only if it belongs to ``team_id``."""
    with Session(engine) as session:
        row = session.get(Subscription, subscription_id)
        if row is None or row.team_id != team_id:
            return None
        return SubscriptionInfo.of(row)


def live_subscriptions(engine: Engine, now: datetime) -> list[SubscriptionInfo]:
    """Every active subscription not snoozed at ``now`` (naive UTC), all workspaces."""
    with Session(engine) as session:
        rows = session.scalars(
            select(Subscription).where(Subscription.status == ACTIVE).order_by(Subscription.id)
        ).all()
        return [SubscriptionInfo.of(r) for r in rows if r.is_live(now)]


def remove(
    engine: Engine,
    team_id: str,
    channel_id: str | None = None,
    *,
    ids: list[int] | None = None,
    kind: str | None = None,
) -> int:
    """Delete a workspace's subscriptions (by channel and/or ids, optionally one kind)."""
    query = select(Subscription.id).where(Subscription.team_id == team_id)
    if channel_id is not None:
        query = query.where(Subscription.channel_id == channel_id)
    if ids is not None:
        query = query.where(Subscription.id.in_(ids))
    if kind is not None:
        query = query.where(Subscription.kind == kind)
    with Session(engine) as session, session.begin():
        found = list(session.scalars(query))
        if found:
            session.execute(delete(Delivery).where(Delivery.subscription_id.in_(found)))
            session.execute(delete(Subscription).where(Subscription.id.in_(found)))
        return len(found)


def set_status(
    engine: Engine,
    team_id: str,
    *,
    status: str,
    channel_id: str | None = None,
    ids: list[int] | None = None,
    paused_until: datetime | None = None,
    note: str = "",
) -> int:
    """Pause / resume / disable a workspace's subscriptions; returns how many changed."""
    if status not in (ACTIVE, PAUSED, DISABLED):
        raise ValueError(f"unknown status {status!r}")
    query = update(Subscription).where(Subscription.team_id == team_id)
    if channel_id is not None:
        query = query.where(Subscription.channel_id == channel_id)
    if ids is not None:
        query = query.where(Subscription.id.in_(ids))
    with engine.begin() as conn:
        return conn.execute(
            query.values(status=status, paused_until=paused_until, note=note)
        ).rowcount


def snooze(engine: Engine, team_id: str, subscription_id: int, until: datetime) -> bool:
    """Keep it active but skip alerts until ``until`` (naive UTC)."""
    with engine.begin() as conn:
        return (
            conn.execute(
                update(Subscription)
                .where(Subscription.team_id == team_id, Subscription.id == subscription_id)
                .values(paused_until=until)
            ).rowcount
            == 1
        )


def disable_channel(engine: Engine, team_id: str, channel_id: str, note: str) -> int:
    """A channel we can no longer post to: disable all its subscriptions with a note."""
    return set_status(engine, team_id, status=DISABLED, channel_id=channel_id, note=note)


def disable_team(engine: Engine, team_id: str, note: str) -> int:
    """A workspace whose token no longer works: disable everything in it with a note."""
    return set_status(engine, team_id, status=DISABLED, note=note)


def now_naive() -> datetime:
    return utcnow()
