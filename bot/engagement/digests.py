"""The weekly leadership digest: subscriptions, when one is due, and building it.

A digest subscription is an ``alert_subscriptions`` row of kind ``digest`` (its channel, time
and region) plus a ``DigestSchedule`` row (its weekday); the alerts clock claims, posts and
records it exactly once with the same deliveries table as every alert.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from bot.advice.report import digest_line
from bot.alerts import schedule, store
from bot.storage.engagement import DIGEST, SETTLED, DigestSchedule, Pledge, ensure_tables
from bot.storage.subscriptions import Delivery, Subscription, naive_utc
from flexcalc import engagement, regions
from flexcalc.engagement import Outcome
from flexcalc.reply import Field, Reply
from flexcalc.sources.base import DataUnavailable
from flexcalc.timeslots import utc

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
GRACE = timedelta(hours=3)


def subscribe(
    engine: Engine,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    weekday: int,
    at: time,
    region_letter: str,
) -> tuple[int, bool]:
    """Create or update the channel's weekly digest. Returns (subscription id, created)."""
    ensure_tables(engine)
    with Session(engine) as session, session.begin():
        row, created = store.upsert(
            session,
            {"team_id": team_id, "channel_id": channel_id, "kind": DIGEST},
            {
                "created_by": user_id,
                "at_time": at.strftime("%H:%M"),
                "region_letter": region_letter,
            },
        )
        plan = session.get(DigestSchedule, row.id)
        if plan is None:
            session.add(DigestSchedule(subscription_id=row.id, weekday=weekday))
        else:
            plan.weekday = weekday
        return row.id, created


def unsubscribe(engine: Engine, team_id: str, channel_id: str | None, user_id: str) -> int:
    """Remove this channel's digest, else the ones this user set up; returns how many."""
    ensure_tables(engine)
    with Session(engine) as session, session.begin():
        query = select(Subscription.id).where(
            Subscription.team_id == team_id, Subscription.kind == DIGEST
        )
        found = list(session.scalars(query.where(Subscription.channel_id == (channel_id or ""))))
        if not found:
            found = list(session.scalars(query.where(Subscription.created_by == user_id)))
        if found:
            session.execute(delete(Delivery).where(Delivery.subscription_id.in_(found)))
            session.execute(delete(DigestSchedule).where(DigestSchedule.subscription_id.in_(found)))
            session.execute(delete(Subscription).where(Subscription.id.in_(found)))
        return len(found)


def weekdays(engine: Engine, subscription_ids: list[int]) -> dict[int, int]:
    """Subscription id -> weekday (Monday 0) for digest subscriptions."""
    if not subscription_ids:
        return {}
    ensure_tables(engine)
    with Session(engine) as session:
        rows = session.execute(
            select(DigestSchedule.subscription_id, DigestSchedule.weekday).where(
                DigestSchedule.subscription_id.in_(subscription_ids)
            )
        ).all()
    return {sid: day for sid, day in rows}


def due_date(at_time: str, weekday: int, now: pd.Timestamp) -> date | None:
    """The local date of the digest due at ``now`` (from its time until GRACE later), if any."""
    due = schedule.daily_due(schedule.parse_hhmm(at_time), now, GRACE)
    if due is None or due.local_date.weekday() != weekday:
        return None
    return due.local_date


def team_outcomes(
    engine: Engine, team_id: str, start: pd.Timestamp, end: pd.Timestamp
) -> list[Outcome]:
    """Settled pledges of one workspace with windows starting in [start, end)."""
    ensure_tables(engine)
    with Session(engine) as session:
        rows = session.scalars(
            select(Pledge).where(
                Pledge.team_id == team_id,
                Pledge.status == SETTLED,
                Pledge.start_at >= naive_utc(start),
                Pledge.start_at < naive_utc(end),
            )
        ).all()
        return [
            Outcome(
                r.user_id,
                utc(pd.Timestamp(r.start_at).tz_localize("UTC")),
                r.kwh,
                r.saved_gbp,
                r.saved_kg,
                r.channel_id,
            )
            for r in rows
        ]


def build(
    engine: Engine, provider: Any, team_id: str, region_letter: str, now: pd.Timestamp
) -> Reply:
    """Last full week's digest for one workspace, as of ``now``."""
    region = regions.by_letter(region_letter)
    week = engagement.last_week_start(now)
    start = utc(pd.Timestamp(week))
    before, end = start - pd.Timedelta(days=7), start + pd.Timedelta(days=7)
    outcomes = team_outcomes(engine, team_id, before, end)
    notes: list[str] = []
    try:
        carbon = provider.carbon_history(region, before, end)
        prices = provider.price_history(region, start, end)
    except DataUnavailable as error:
        carbon, prices = pd.DataFrame(columns=["forecast", "actual"]), None
        notes.append(f"Grid data unavailable: {error}")
    reply = engagement.digest(
        outcomes, carbon, week, prices=prices, team_label="The team", region_label=region.label
    )
    for series in (carbon, prices):
        note = getattr(series, "attrs", {}).get("note") if series is not None else None
        if note and note not in notes:
            notes.append(note)
    reply.fields.append(Field("How our advice did", digest_line(engine, team_id, start, end)))
    reply.notes.extend(notes)
    return reply


def describe(weekday: int, at_time: str, channel_id: str) -> Field:
    return Field("Weekly digest", f"{WEEKDAY_NAMES[weekday]}s at {at_time} in <#{channel_id}>")
