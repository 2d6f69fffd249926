"""Small helpers shared by the alerts tests."""

from __future__ import annotations

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
