"""Deleted or archived Teams channels and teams stop their alerts, like Slack's channel_deleted:
the bot's ``conversationUpdate`` activities (channelDeleted, teamDeleted, the bot removed)
disable the subscriptions posting there, and nobody else's."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.subscriptions import ACTIVE, DISABLED, Subscription
from bot.storage.teams import save_destination
from bot.teams.outgoing import where_from
from tests.teams.conftest import FIXTURES

SUBSCRIBE = "<at>Flexcalc</at> alerts subscribe 08:00 in London"


def _subs(engine) -> list[Subscription]:
    with Session(engine) as session:
        return list(session.scalars(select(Subscription).order_by(Subscription.id)))


def _subscribe_here(bot, connector, fixture: str = "agent_channel_message.json") -> None:
    assert bot.send(fixture, connector, text=SUBSCRIBE).status_code == 202


def _event(bot, connector, fixture: str, **changes) -> None:
    """A recorded-shape activity from Teams, new id and time, with ``changes`` applied."""
    payload = json.loads((FIXTURES / fixture).read_text())
    payload.update(changes, serviceUrl=connector.url + "/", id=str(time.time_ns()),
                   timestamp=datetime.now(UTC).isoformat())  # fmt: skip
    response = requests.post(f"{bot.url}/api/messages", json=payload, timeout=15)
    assert response.status_code in (200, 202)


def test_a_deleted_channel_stops_its_alerts_and_only_its_own(bot, connector):
    _subscribe_here(bot, connector)  # the channel that will be deleted
    _subscribe_here(bot, connector, "agent_personal_message.json")  # a personal chat, elsewhere
    assert [s.status for s in _subs(bot.engine)] == [ACTIVE, ACTIVE]
    _event(bot, connector, "agent_channel_deleted.json")
    channel, chat = _subs(bot.engine)
    assert channel.status == DISABLED and "channel was deleted" in channel.note
    assert chat.status == ACTIVE


def test_a_workflow_registered_from_the_deleted_channel_stops_too(bot, connector):
    channel = json.loads((FIXTURES / "agent_channel_message.json").read_text())
    where = where_from(channel)
    url = "https://prod-12.westeurope.logic.azure.com/workflows/abc/invoke?sig=x"
    key = save_destination(bot.engine, url, team_id=where.team_id, origin=where.channel_id or "")
    with Session(bot.engine) as session, session.begin():
        session.add(Subscription(team_id=where.team_id, channel_id=key, created_by="u",
                                 at_time="08:00", region_letter="C"))  # fmt: skip
    _event(bot, connector, "agent_channel_deleted.json")
    [sub] = _subs(bot.engine)
    assert sub.status == DISABLED


@pytest.mark.parametrize("fixture", ["agent_team_deleted.json", "agent_bot_removed.json"])
def test_a_deleted_team_or_removing_the_bot_stops_the_teams_alerts(bot, connector, fixture):
    _subscribe_here(bot, connector)
    _subscribe_here(bot, connector, "agent_personal_message.json")
    _event(bot, connector, fixture)
    channel, chat = _subs(bot.engine)
    assert channel.status == DISABLED and chat.status == ACTIVE


def test_another_teams_deleted_channel_changes_nothing_here(bot, connector):
    _subscribe_here(bot, connector)
    other = json.loads((FIXTURES / "agent_channel_deleted.json").read_text())
    other["channelData"]["team"]["id"] = "19:another-team@thread.tacv2"  # same channel id guessed
    _event(bot, connector, "agent_channel_deleted.json", channelData=other["channelData"])
    [sub] = _subs(bot.engine)
    assert sub.status == ACTIVE


def test_a_member_leaving_is_not_the_bot_leaving(bot, connector):
    _subscribe_here(bot, connector)
    _event(bot, connector, "agent_bot_removed.json", membersRemoved=[{"id": "29:someone-else"}])
    [sub] = _subs(bot.engine)
    assert sub.status == ACTIVE
