"""Registering a Teams Workflows URL for the daily alerts: from Slack's `/flex alerts subscribe
... teams URL`, from a Teams channel (outgoing webhook) and from the command line. The URL is
stored as a secret and only ever shown masked."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts.commands import handle_alerts
from bot.storage.subscriptions import Subscription
from bot.storage.teams import destination_url, destinations, is_teams
from bot.teams import cli
from flexcalc.commands import parse
from flexcalc.commands.requests import AlertsRequest

SIG = "Qw3rTyUi0pAsDfGhJkLzXcVbNm1234a1b2"
URL = (
    "https://prod-12.westeurope.logic.azure.com:443/workflows/5f0c/triggers/manual/paths/invoke"
    f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}"
)
MASKED = "https://prod-12.westeurope…/…a1b2"


def _seen(card) -> str:
    """The card's text as a reader sees it (zero-width spaces defuse links: bot.security)."""
    return json.dumps(card, ensure_ascii=False).replace("\u200b", "")


def _subs(engine) -> list[Subscription]:
    with Session(engine) as session:
        return list(session.scalars(select(Subscription).order_by(Subscription.id)))


def test_slack_command_with_a_teams_url_subscribes_a_teams_destination(engine):
    reply = handle_alerts(
        parse(f"alerts subscribe 07:30 in NG1 2h teams {URL}"),
        engine=engine, team_id="T0SLACK", channel_id="C0GENERAL", user_id="U0ALICE",
    )  # fmt: skip
    assert not reply.is_error and reply.title == "Daily Teams alerts on"
    shown = reply.to_text() + reply.to_json()
    assert SIG not in shown and MASKED in shown
    [sub] = _subs(engine)
    assert is_teams(sub.channel_id) and len(sub.channel_id) <= 32
    assert (sub.at_time, sub.region_letter, sub.duration_minutes) == ("07:30", "B", 120)
    assert destination_url(engine, sub.channel_id) == URL  # the secret is kept, whole
    assert SIG not in sub.channel_id  # ...but only in its own table


def test_invalid_alert_stores_nothing(engine):
    reply = handle_alerts(
        AlertsRequest("subscribe", duration=pd.Timedelta(minutes=45), teams_url=URL),
        engine=engine, team_id="T0SLACK", channel_id="C0GENERAL", user_id="U0ALICE",
    )  # fmt: skip
    assert reply.is_error and "30 minutes" in reply.summary
    assert _subs(engine) == [] and destinations(engine) == []


def test_subscribe_list_unsubscribe_from_a_teams_channel(make_teams_app):
    teams = make_teams_app()
    response = teams.mention(f"alerts subscribe 08:00 in London teams {URL}")
    assert response.status_code == 200 and SIG not in response.text
    card = response.json()["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Daily Teams alerts on"
    assert MASKED in _seen(card)

    listed = teams.mention("alerts list").json()["attachments"][0]["content"]
    listed_text = _seen(listed)
    assert "daily at 08:00 in region C" in listed_text and MASKED in listed_text
    assert SIG not in listed_text

    gone = teams.mention("alerts unsubscribe").json()["attachments"][0]["content"]
    assert gone["body"][0]["text"] == "Teams alerts off"
    assert _subs(teams.engine) == [] and destinations(teams.engine) == []


def test_subscribe_without_a_url_in_teams_explains_the_workflow(make_teams_app):
    teams = make_teams_app()
    card = teams.mention("alerts subscribe 08:00").json()["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Teams alerts need a workflow"
    assert _subs(teams.engine) == []


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite")
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    from bot.storage.db import get_engine

    return get_engine(f"sqlite:///{tmp_path}/cli.sqlite")


def test_command_line_subscribe_list_unsubscribe(cli_db, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(URL + "\n"))  # URL kept out of shell history
    assert cli.main(["subscribe", "-", "07:00", "in", "NG1", "tomorrow"]) == 0
    out = capsys.readouterr().out
    assert "Daily Teams alerts on" in out and MASKED in out and SIG not in out
    [sub] = _subs(cli_db)
    assert sub.tomorrow and sub.region_letter == "B"

    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert sub.channel_id in out and MASKED in out and SIG not in out

    assert cli.main(["unsubscribe", sub.channel_id]) == 0
    assert "and its 1 alert(s)" in capsys.readouterr().out
    assert _subs(cli_db) == [] and destinations(cli_db) == []
    assert cli.main(["subscribe", "http://insecure.example/x"]) == 2  # https only


def test_command_line_test_post_reaches_the_workflow(cli_db, httpserver, capsys):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=202)
    url = httpserver.url_for("/hook") + f"?sig={SIG}"
    assert cli.main(["test", url, "in", "C"]) == 0
    assert "Posted a test card" in capsys.readouterr().out
    [(request, _)] = httpserver.log
    card = request.get_json()["attachments"][0]["content"]
    assert card["version"] == "1.5" and "greener times" in card["body"][0]["text"]


def test_a_teams_workflow_registered_from_slack_is_listed_paused_and_removed_there(engine):
    def alerts(words: str, channel: str = "C0GENERAL"):
        return handle_alerts(
            parse(f"alerts {words}"), engine=engine, team_id="T0SLACK", channel_id=channel,
            user_id="U0ALICE",
        )  # fmt: skip

    alerts("subscribe 08:00 in C")
    alerts(f"subscribe 07:30 in NG1 2h teams {URL}")
    listed = alerts("list")
    text = listed.to_text() + listed.to_json()
    assert len(listed.data["subscriptions"]) == 2
    assert f"→ Teams {MASKED}" in text and SIG not in text  # listed, never in full
    assert "No alerts here" in alerts("list", channel="C0OTHER").title  # only where registered

    assert "2 alert(s) paused" in alerts("pause").summary
    assert {s.status for s in _subs(engine)} == {"paused"}

    assert "Removed 2 alerts" in alerts("unsubscribe").summary
    assert _subs(engine) == []
    assert destinations(engine) == []  # the secret URL is gone with its alerts
