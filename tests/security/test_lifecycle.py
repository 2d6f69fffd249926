"""Uninstalls, revoked tokens, deleted channels: what happens to a workspace's tokens, alerts and
data, sent as Slack sends the events (signed, through the real app)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts import store
from bot.alerts.commands import handle_alerts
from bot.security import lifecycle, retention
from bot.security.installations import installation_store
from bot.storage.settings import get_region, set_region
from bot.storage.subscriptions import Subscription, utcnow
from bot.storage.teams import destinations, save_destination
from flexcalc.commands import parse
from tests.fakes.slack_api import DEFAULT_TEAM
from tests.slack.harness import SlackClientSide, sign

OTHER = "T0OTHERWS"
URL = "https://prod-1.westeurope.logic.azure.com/workflows/1/invoke?sig=abc"


def _subscribe(engine, team: str, channel: str, at: str = "07:00") -> None:
    reply = handle_alerts(parse(f"alerts subscribe {at} in NG1"), engine=engine, team_id=team,
                          channel_id=channel, user_id="U0ALICE")  # fmt: skip
    assert not reply.is_error


def _statuses(engine) -> dict[tuple[str, str], str]:
    with Session(engine) as session:
        rows = session.scalars(select(Subscription))
        return {(s.team_id, s.channel_id): s.status for s in rows}


def _populate(engine) -> None:
    for team in (DEFAULT_TEAM, OTHER):
        _subscribe(engine, team, "C0GENERAL")
        _subscribe(engine, team, "C0OTHER", "08:00")
        set_region(engine, team, "B")
        save_destination(engine, URL + team, team_id=team)


def _event(slack: SlackClientSide, event: dict, team: str = DEFAULT_TEAM):
    response = slack.event(event, team_id=team)
    assert response.status_code == 200
    time.sleep(0.5)  # the listener runs after the ack


@pytest.fixture
def app(make_teams_app, fake_slack):
    teams = make_teams_app()
    _populate(teams.engine)
    return teams, SlackClientSide(teams.url, fake_slack, secret="unused-here")


def test_uninstall_stops_alerts_then_erases_only_that_workspace(app):
    teams, slack = app
    engine = teams.engine
    _event(slack, {"type": "app_uninstalled"})
    statuses = _statuses(engine)
    assert {s for (t, _), s in statuses.items() if t == DEFAULT_TEAM} == {store.DISABLED}
    assert {s for (t, _), s in statuses.items() if t == OTHER} == {store.ACTIVE}

    assert retention.purge_due(engine, utcnow() + timedelta(days=29)) == []  # kept 30 days
    assert get_region(engine, DEFAULT_TEAM) == "B"
    assert retention.purge_due(engine, utcnow() + timedelta(days=31)) == [DEFAULT_TEAM]
    assert all(t == OTHER for t, _ in _statuses(engine))
    assert get_region(engine, DEFAULT_TEAM) is None and get_region(engine, OTHER) == "B"
    assert [team for _, _, team, _ in destinations(engine)] == [OTHER]


def test_a_revoked_bot_token_is_an_uninstall_but_revoked_user_tokens_are_not(app):
    teams, slack = app
    _event(slack, {"type": "tokens_revoked", "tokens": {"oauth": ["U0ALICE"]}})
    assert set(_statuses(teams.engine).values()) == {store.ACTIVE}
    _event(slack, {"type": "tokens_revoked", "tokens": {"bot": ["U0FLEXBOT"]}})
    assert {s for (t, _), s in _statuses(teams.engine).items() if t == DEFAULT_TEAM} == {
        store.DISABLED
    }


@pytest.mark.parametrize(
    ("kind", "channel"),
    [("channel_deleted", "C0OTHER"), ("channel_archive", "C0OTHER"),
     ("group_deleted", "C0OTHER"), ("group_archive", "C0OTHER")],
)  # fmt: skip
def test_a_deleted_or_archived_channel_stops_its_alerts_only(app, kind, channel):
    teams, slack = app
    _event(slack, {"type": kind, "channel": channel, "user": "U0ADMIN"})
    statuses = _statuses(teams.engine)
    assert statuses[(DEFAULT_TEAM, channel)] == store.DISABLED
    assert statuses[(DEFAULT_TEAM, "C0GENERAL")] == store.ACTIVE
    assert statuses[(OTHER, channel)] == store.ACTIVE  # the same id elsewhere is another channel


def test_uninstall_deletes_the_workspace_tokens_and_reinstalling_keeps_the_data(engine):
    oauth_store = installation_store("1234.5678", engine)
    oauth_store.metadata.create_all(engine)
    for team in (DEFAULT_TEAM, OTHER):
        oauth_store.save(Installation(app_id="A1", team_id=team, user_id="U1", bot_id="B1",
                                      bot_user_id="UB1", bot_token=f"xoxb-{team}"))  # fmt: skip
    _subscribe(engine, DEFAULT_TEAM, "C0GENERAL")
    bolt = App(signing_secret="s3cr3t", installation_store=oauth_store,
               process_before_response=True, request_verification_enabled=True)  # fmt: skip
    lifecycle.register(bolt, engine)
    body = json.dumps({"team_id": DEFAULT_TEAM, "api_app_id": "A1", "type": "event_callback",
                       "event_id": "Ev0UNINSTALL", "event_time": int(time.time()),
                       "event": {"type": "app_uninstalled"}})  # fmt: skip
    headers = {k.lower(): [v] for k, v in sign(body, secret="s3cr3t").items()}
    response = bolt.dispatch(BoltRequest(body=body, headers={**headers,
                                         "content-type": ["application/json"]}))  # fmt: skip
    assert response.status == 200
    assert oauth_store.find_bot(enterprise_id=None, team_id=DEFAULT_TEAM) is None
    assert oauth_store.find_bot(enterprise_id=None, team_id=OTHER).bot_token == f"xoxb-{OTHER}"
    assert _statuses(engine)[(DEFAULT_TEAM, "C0GENERAL")] == store.DISABLED

    oauth_store.save(Installation(app_id="A1", team_id=DEFAULT_TEAM, user_id="U1", bot_id="B1",
                                  bot_user_id="UB1", bot_token="xoxb-again"))  # fmt: skip
    assert retention.purge_due(engine, utcnow() + timedelta(days=365)) == []  # erasure cancelled
    assert (DEFAULT_TEAM, "C0GENERAL") in _statuses(engine)


def test_the_manifest_subscribes_to_the_lifecycle_events():
    manifest = json.loads((Path(__file__).parents[2] / "manifest.json").read_text())
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_uninstalled", "tokens_revoked", *lifecycle.CHANNEL_GONE_EVENTS} <= events
