"""Recording pledges, scheduling and withdrawing their DM reminders, cancelling, forgetting.

Reminders are Slack scheduled messages in the user's DM with the app (``conversations.open`` then
``chat.scheduleMessage`` at the window start); cancelling before then deletes the scheduled
message (``chat.deleteScheduledMessage``). Every query is scoped by workspace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.destinations.slack import SlackDestination
from bot.engagement import blocks
from bot.storage.engagement import (
    CANCELLED,
    DELETED,
    DIGEST,
    NONE,
    PLEDGED,
    POSTED,
    SCHEDULED,
    ImpactPrivacy,
    Pledge,
    ensure_tables,
)
from bot.storage.subscriptions import Subscription, naive_utc
from flexcalc.engagement import PledgeOffer

log = logging.getLogger(__name__)

MAX_KWH = 1000.0  # a button never carries more; anything bigger is refused
POST_NOW_WITHIN = pd.Timedelta(minutes=2)  # Slack refuses post_at in the (near) past
MAX_AHEAD = pd.Timedelta(days=7)


class PledgeRefused(ValueError):
    """A pledge that can't be recorded; the message is shown to the user."""


@dataclass(frozen=True)
class PledgeInfo:
    """A read-only copy of one pledge row."""

    id: int
    team_id: str
    user_id: str
    channel_id: str
    what: str
    label: str
    region_letter: str
    start: pd.Timestamp
    end: pd.Timestamp
    baseline_start: pd.Timestamp
    kwh: float
    status: str
    reminder: str
    reminder_channel: str
    scheduled_message_id: str
    saved_gbp: float | None
    saved_kg: float | None
    carbon_basis: str

    @classmethod
    def of(cls, row: Pledge) -> PledgeInfo:
        return cls(
            row.id,
            row.team_id,
            row.user_id,
            row.channel_id,
            row.what,
            row.label,
            row.region_letter,
            _aware(row.start_at),
            _aware(row.end_at),
            _aware(row.baseline_start),
            row.kwh,
            row.status,
            row.reminder,
            row.reminder_channel,
            row.scheduled_message_id,
            row.saved_gbp,
            row.saved_kg,
            row.carbon_basis,
        )

    @property
    def baseline_end(self) -> pd.Timestamp:
        return self.baseline_start + (self.end - self.start)


def _aware(moment: datetime) -> pd.Timestamp:
    return pd.Timestamp(moment).tz_localize("UTC")


def record(
    engine: Engine,
    offer: PledgeOffer,
    *,
    team_id: str,
    user_id: str,
    channel_id: str | None,
    now: pd.Timestamp,
) -> tuple[PledgeInfo, bool]:
    """Store the pledge (or find the same one pressed before). Returns (pledge, created)."""
    if not team_id or not user_id:
        raise PledgeRefused("I couldn't tell who pressed the button; please try again.")
    if not 0 < offer.kwh <= MAX_KWH:
        raise PledgeRefused("That pledge's size doesn't look right; ask again for a fresh answer.")
    if offer.end <= now:
        raise PledgeRefused(
            "That window has already passed. Ask again (e.g. `/bestslot 2h`) for the next one."
        )
    if offer.start > now + MAX_AHEAD:
        raise PledgeRefused("That window is too far ahead to pledge; ask again nearer the time.")
    ensure_tables(engine)
    row = Pledge(
        team_id=team_id,
        user_id=user_id,
        channel_id=channel_id or "",
        what=offer.what,
        label=offer.label,
        region_letter=offer.region,
        start_at=naive_utc(offer.start),
        end_at=naive_utc(offer.end),
        baseline_start=naive_utc(offer.baseline_start),
        kwh=offer.kwh,
    )
    try:
        with Session(engine) as session, session.begin():
            session.add(row)
            session.flush()
            return PledgeInfo.of(row), True
    except IntegrityError:
        pass
    with Session(engine) as session:
        existing = session.scalars(
            select(Pledge).where(
                Pledge.team_id == team_id,
                Pledge.user_id == user_id,
                Pledge.what == offer.what,
                Pledge.start_at == naive_utc(offer.start),
            )
        ).one()
        if existing.status == CANCELLED:  # pressed again after cancelling: pledge again
            existing.status = PLEDGED
            existing.reminder = NONE
            session.commit()
            return PledgeInfo.of(existing), True
        return PledgeInfo.of(existing), False


def get(engine: Engine, team_id: str, pledge_id: int) -> PledgeInfo | None:
    """One pledge, only if it belongs to ``team_id``."""
    ensure_tables(engine)
    with Session(engine) as session:
        row = session.get(Pledge, pledge_id)
        if row is None or row.team_id != team_id:
            return None
        return PledgeInfo.of(row)


def upcoming(engine: Engine, team_id: str, user_id: str, now: pd.Timestamp) -> list[PledgeInfo]:
    """The user's pledges whose window hasn't ended, soonest first."""
    ensure_tables(engine)
    with Session(engine) as session:
        rows = session.scalars(
            select(Pledge)
            .where(
                Pledge.team_id == team_id,
                Pledge.user_id == user_id,
                Pledge.status == PLEDGED,
                Pledge.end_at > naive_utc(now),
            )
            .order_by(Pledge.start_at)
        ).all()
        return [PledgeInfo.of(r) for r in rows]


def schedule_reminder(
    engine: Engine, client: WebClient, pledge: PledgeInfo, now: pd.Timestamp
) -> PledgeInfo:
    """DM a reminder at the window start (scheduled), or now if it is about to start."""
    text, message_blocks = blocks.reminder(pledge)
    at = None if pledge.start - now <= POST_NOW_WITHIN else pledge.start.to_pydatetime()
    reminder = SlackDestination(client, pledge.user_id).schedule_reminder(
        pledge.user_id, text, message_blocks, at
    )
    assert reminder is not None  # Slack always can
    state = POSTED if at is None else SCHEDULED
    return _set_reminder(engine, pledge.id, state, reminder.channel, reminder.scheduled_id)


def _set_reminder(
    engine: Engine, pledge_id: int, state: str, channel: str, message_id: str
) -> PledgeInfo:
    with Session(engine) as session, session.begin():
        row = session.get(Pledge, pledge_id)
        assert row is not None
        row.reminder = state
        row.reminder_channel = channel
        row.scheduled_message_id = message_id
        session.flush()
        return PledgeInfo.of(row)


def withdraw_reminder(client: WebClient, pledge: PledgeInfo, now: pd.Timestamp) -> bool:
    """Delete the scheduled reminder if it hasn't gone out; True if Slack deleted it."""
    if pledge.reminder != SCHEDULED or not pledge.scheduled_message_id or pledge.start <= now:
        return False
    try:
        client.chat_deleteScheduledMessage(
            channel=pledge.reminder_channel, scheduled_message_id=pledge.scheduled_message_id
        )
        return True
    except SlackApiError as error:  # already posted or already deleted
        log.info(
            "could not delete reminder %s: %s",
            pledge.scheduled_message_id,
            error.response.get("error") if error.response else error,
        )
        return False


def cancel(
    engine: Engine,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    pledge_id: int,
    now: pd.Timestamp,
) -> PledgeInfo | None:
    """Cancel the user's own pledge and withdraw its reminder; None if it isn't theirs."""
    pledge = get(engine, team_id, pledge_id)
    if pledge is None or pledge.user_id != user_id:
        return None
    if pledge.status != PLEDGED:
        return pledge
    deleted = withdraw_reminder(client, pledge, now)
    with engine.begin() as conn:
        conn.execute(
            update(Pledge)
            .where(Pledge.id == pledge.id, Pledge.status == PLEDGED)
            .values(status=CANCELLED, reminder=DELETED if deleted else pledge.reminder)
        )
    return get(engine, team_id, pledge_id)


def set_hidden(engine: Engine, team_id: str, user_id: str, hidden: bool) -> None:
    """Opt the user out of (or back into) this workspace's leaderboard."""
    ensure_tables(engine)
    with Session(engine) as session, session.begin():
        row = session.scalars(
            select(ImpactPrivacy).where(
                ImpactPrivacy.team_id == team_id, ImpactPrivacy.user_id == user_id
            )
        ).one_or_none()
        if row is None:
            session.add(ImpactPrivacy(team_id=team_id, user_id=user_id, hidden=hidden))
        else:
            row.hidden = hidden


def listed_users(engine: Engine, team_id: str) -> set[str]:
    """The people who chose to be listed on the leaderboard (it is opt-in: privacy by default)."""
    ensure_tables(engine)
    with Session(engine) as session:
        return set(
            session.scalars(
                select(ImpactPrivacy.user_id).where(
                    ImpactPrivacy.team_id == team_id, ImpactPrivacy.hidden.is_(False)
                )
            )
        )


@dataclass(frozen=True)
class Forgotten:
    pledges: int
    reminders_withdrawn: int
    settings: int
    digests_unattributed: int


def forget(
    engine: Engine, client: WebClient | None, team_id: str, user_id: str, now: pd.Timestamp
) -> Forgotten:
    """Delete everything personal about ``user_id`` in ``team_id`` (only that workspace):
    pledges (withdrawing scheduled reminders first), the leaderboard choice, and their name on
    digest subscriptions they set up (the channel's digest itself keeps running)."""
    ensure_tables(engine)
    with Session(engine) as session:
        rows = session.scalars(
            select(Pledge).where(Pledge.team_id == team_id, Pledge.user_id == user_id)
        ).all()
        mine = [PledgeInfo.of(r) for r in rows]
    withdrawn = 0
    if client is not None:
        withdrawn = sum(withdraw_reminder(client, p, now) for p in mine if p.status == PLEDGED)
    with engine.begin() as conn:
        pledges = conn.execute(
            delete(Pledge).where(Pledge.team_id == team_id, Pledge.user_id == user_id)
        ).rowcount
        settings = conn.execute(
            delete(ImpactPrivacy).where(
                ImpactPrivacy.team_id == team_id, ImpactPrivacy.user_id == user_id
            )
        ).rowcount
        digests = conn.execute(
            update(Subscription)
            .where(
                Subscription.team_id == team_id,
                Subscription.created_by == user_id,
                Subscription.kind == DIGEST,
            )
            .values(created_by="")
        ).rowcount
    return Forgotten(pledges, withdrawn, settings, digests)
