"""``/flex my data``: the asker sees what is stored about them, and only that."""

from __future__ import annotations

import json

from bot.alerts.commands import handle_alerts
from bot.engagement.pledges import set_hidden
from bot.security.my_data import collect
from flexcalc.commands import parse
from tests.fakes.slack_api import DEFAULT_TEAM
from tests.slack.harness import SlackClientSide, block_text

OTHER = "T0OTHERWS"


def _subscribe(engine, team: str, user: str, at: str) -> None:
    reply = handle_alerts(parse(f"alerts subscribe {at} in NG1"), engine=engine, team_id=team,
                          channel_id=f"C0{user[2:]}", user_id=user)  # fmt: skip
    assert not reply.is_error


def test_my_data_lists_my_rows_only(make_teams_app, fake_slack):
    teams = make_teams_app()
    engine = teams.engine
    _subscribe(engine, DEFAULT_TEAM, "U0ALICE", "07:00")
    _subscribe(engine, DEFAULT_TEAM, "U0BOB", "08:00")
    _subscribe(engine, OTHER, "U0ALICE", "09:00")  # the same id in another workspace
    set_hidden(engine, DEFAULT_TEAM, "U0ALICE", False)

    slack = SlackClientSide(teams.url, fake_slack, secret="unused-here")
    _, url = slack.command("/flex", "my data", user_id="U0ALICE")
    [reply] = fake_slack.wait_replies(url)
    assert reply["response_type"] == "ephemeral"
    text = block_text(reply)
    # each subscription's time, as stored (a bare "08:00" could be in a created_at timestamp)
    assert '"at_time": "07:00"' in text
    assert '"at_time": "08:00"' not in text and '"at_time": "09:00"' not in text
    assert "engagement_privacy" in text

    mine = collect(engine, DEFAULT_TEAM, "U0ALICE")
    rows = [row for table in mine.values() for row in table]
    assert all(row.get("team_id") == DEFAULT_TEAM for row in rows)
    assert all("U0BOB" not in json.dumps(row) for row in rows)


def test_someone_with_nothing_stored_is_told_so(make_teams_app, fake_slack):
    teams = make_teams_app()
    slack = SlackClientSide(teams.url, fake_slack, secret="unused-here")
    _, url = slack.command("/flex", "my data", user_id="U0NEWBIE")
    assert "stores nothing about you" in block_text(fake_slack.wait_replies(url)[0])
