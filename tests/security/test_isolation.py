"""Isolation: a second workspace, guessing ids or reusing a URL it saw, can never take over, see
or change the first one's destinations and subscriptions."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts import store
from bot.alerts.commands import handle_alerts
from bot.alerts.home import PAUSE_ACTION, REMOVE_ACTION, RESUME_ACTION
from bot.storage.subscriptions import Subscription
from bot.storage.teams import destination_url, destinations
from flexcalc.commands import parse
from tests.fakes.slack_api import DEFAULT_TEAM
from tests.slack.harness import SlackClientSide

SIG = "Zx9Qm3Lr7Tv1Kb5Nw8Ys2Hd6Fg4Jc0PaUeRiOo"
URL = (
    "https://prod-12.westeurope.logic.azure.com:443/workflows/5f0c/triggers/manual/paths/invoke"
    f"?api-version=2016-06-01&sig={SIG}"
)
OTHER = "T0OTHERWS"


def _rows(engine) -> list[tuple]:
    with Session(engine) as session:
        rows = session.scalars(select(Subscription).order_by(Subscription.id))
        return [(s.id, s.team_id, s.channel_id, s.status, s.paused_until) for s in rows]


def _subscribe(engine, text: str, team: str, channel: str = "C0GENERAL"):
    return handle_alerts(parse(text), engine=engine, team_id=team, channel_id=channel,
                         user_id="U0ALICE")  # fmt: skip


def test_another_workspace_cannot_take_over_a_teams_workflow(engine):
    assert not _subscribe(
        engine, f"alerts subscribe 07:30 in NG1 teams {URL}", DEFAULT_TEAM
    ).is_error
    before = _rows(engine)
    taken = _subscribe(engine, f"alerts subscribe 09:00 in London teams {URL}", OTHER, "C0EVIL")
    assert taken.is_error and SIG not in taken.to_text()
    assert _rows(engine) == before  # nothing added for the other workspace
    [(key, _, team, origin)] = destinations(engine)
    assert (team, origin) == (DEFAULT_TEAM, "C0GENERAL") and destination_url(engine, key) == URL
    listed = _subscribe(engine, "alerts list", OTHER, "C0EVIL")
    assert listed.title.startswith("No alerts") and SIG not in listed.to_text()


@pytest.mark.parametrize("action", [PAUSE_ACTION, RESUME_ACTION, REMOVE_ACTION])
def test_guessed_subscription_ids_from_another_workspace_change_nothing(
    make_teams_app, fake_slack, action
):
    teams = make_teams_app()
    engine = teams.engine
    for at in ("07:00", "08:00", "09:00"):
        assert not _subscribe(engine, f"alerts subscribe {at} in NG1", DEFAULT_TEAM).is_error
    store.set_status(engine, DEFAULT_TEAM, status=store.PAUSED, ids=[2])
    before = _rows(engine)
    attacker = SlackClientSide(teams.url, fake_slack, secret="unused-here")
    for guess in range(0, 12):
        response, _ = attacker.click(action, str(guess), team_id=OTHER, channel_id=None)
        assert response.status_code == 200
    time.sleep(0.5)  # acks come first; let the handlers finish
    assert _rows(engine) == before


def test_the_same_channel_id_in_two_workspaces_is_two_places(engine):
    _subscribe(engine, "alerts subscribe 07:00 in NG1", DEFAULT_TEAM, "C0SAME")
    _subscribe(engine, "alerts subscribe 18:00 in London", OTHER, "C0SAME")
    removed = _subscribe(engine, "alerts unsubscribe", OTHER, "C0SAME")
    assert not removed.is_error
    assert [(team, channel) for _, team, channel, *_ in _rows(engine)] == [(DEFAULT_TEAM, "C0SAME")]
