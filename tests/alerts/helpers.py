"""Small helpers shared by the alerts tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.alerts.commands import handle_alerts
from bot.storage.subscriptions import Delivery, Subscription
from flexcalc.commands import parse
from flexcalc.reply import Reply
from tests.alerts.conftest import TEAM


def subscribe(
    engine: Engine, text: str, channel: str, user: str = "U0ALICE", team: str = TEAM
) -> Reply:
    """Run one ``alerts ...`` command line the way the Slack front end does."""
    return handle_alerts(parse(text), engine=engine, team_id=team, channel_id=channel, user_id=user)


def subscriptions(engine: Engine) -> list[Subscription]:
    with Session(engine) as session:
        return list(session.scalars(select(Subscription).order_by(Subscription.id)))


def deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def subscribe_channels(engine: Engine, channels: list[str]) -> None:
    """Daily 08:00 alerts for ``channels``, alternating regions C and B (two chart renders)."""
    for i, channel in enumerate(channels):
        subscribe(engine, f"alerts subscribe 08:00 in {'CB'[i % 2]}", channel)


def seconds_until_takeover(standby: Any, traveller: Any, start: datetime) -> int | None:
    """Move time on in the standby clock's 15 s heartbeats until it takes the lease over; the
    seconds after ``start`` that took, or None if it never did within two minutes."""
    for seconds in range(15, 121, 15):
        traveller.move_to(start + timedelta(seconds=seconds))
        if standby.heartbeat():
            return seconds
    return None
