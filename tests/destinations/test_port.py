"""The Destination port: Slack, Teams Workflows and the Teams bot answer the fan-out the same way
(sent / retry / give up / stop the channel / stop the workspace), against loopback fakes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from werkzeug import Response

from bot.alerts.slack_post import SlackClients
from bot.alerts.store import SubscriptionInfo
from bot.destinations.choose import destination_for
from bot.destinations.port import Chart, Destination, Outcome
from bot.destinations.slack import SlackDestination
from bot.destinations.teams import TeamsConversation, TeamsWorkflow
from bot.slack_web import make_client
from bot.storage.db import get_engine
from flexcalc.reply import Reply
from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN
from tests.teams.conftest import loopback_workflows  # noqa: F401 (fixture: loopback allowed)
from tests.teams.test_alerts import httpserver, tls  # noqa: F401 (fixtures: HTTPS Workflows)

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.SystemTimeWarning")
ALERT = Reply(title="Greener times today", summary="Run it at 13:00.", chart_alt="bars")
CHART = Chart(png=b"\x89PNG\r\n\x1a\nfake", title="today")


def post(destination: Destination, chart: Chart | None = None) -> Outcome:
    return destination.post_alert(ALERT, subscription_id=7, delivery_key="k1", chart=chart)


def slack(fake_slack, channel: str = "C0ALERTS") -> SlackDestination:
    return SlackDestination(make_client(DEFAULT_TOKEN, fake_slack.api_url), channel, "2026-11-30")


def test_slack_posts_the_alert_with_its_delivery_key_and_uploads_the_chart(fake_slack):
    outcome = post(slack(fake_slack), CHART)
    assert outcome.ok and outcome.ref
    [message] = fake_slack.calls_to("chat.postMessage")
    assert "Greener times today" in message.params["text"]
    assert message.params["channel"] == "C0ALERTS"
    assert fake_slack.uploaded_pngs() == [CHART.png]


@pytest.mark.parametrize(
    ("error", "kind"),
    [("channel_not_found", "channel_gone"), ("account_inactive", "team_gone"),
     ("internal_error", "retry")],
)  # fmt: skip
def test_slack_refusals_become_the_ports_outcomes(fake_slack, error, kind):
    fake_slack.fail("chat.postMessage", error, channel="C0GONE")
    outcome = post(slack(fake_slack, "C0GONE"))
    assert (outcome.kind, outcome.error) == (kind, error)
    assert ("Stopped on 2026-11-30" in outcome.note) == (kind != "retry")


def test_slack_tells_a_person_privately_in_their_dm(fake_slack):
    assert slack(fake_slack).tell_privately("U0ALICE", "Your alerts stopped.")
    [dm] = fake_slack.calls_to("chat.postMessage")
    assert (dm.params["channel"], dm.params["text"]) == ("U0ALICE", "Your alerts stopped.")
    assert not slack(fake_slack).tell_privately("", "nobody")


@pytest.mark.parametrize(
    ("status", "kind"), [(202, "sent"), (404, "channel_gone"), (400, "give_up"), (503, "retry")]
)
def test_a_teams_workflow_answers_the_same_way(httpserver, status, kind):  # noqa: F811
    httpserver.expect_request("/workflow").respond_with_response(Response("", status))
    url = httpserver.url_for("/workflow")
    outcome = post(TeamsWorkflow(url, "2026-11-30"), Chart(url="https://x.example/c.png"))
    assert outcome.kind == kind
    card = json.loads(httpserver.log[0][0].get_data())
    assert "https://x.example/c.png" in json.dumps(card)  # the chart travels as a link
    if kind == "channel_gone":
        assert "Stopped on 2026-11-30" in outcome.note and url not in outcome.note  # masked


def test_teams_cannot_read_history_tell_privately_or_schedule(tmp_path):
    for destination in (
        TeamsWorkflow("https://example.invalid/w"),
        TeamsConversation(get_engine(f"sqlite:///{tmp_path}/t.sqlite"), "tmsbot:x"),
    ):
        assert destination.find_posted(datetime.now(UTC), "k1") is None
        assert not destination.tell_privately("someone", "hello")
        assert not destination.attach_chart("teams:202", CHART, "bars")
        assert destination.schedule_reminder("someone", "hi", None, None) is None


def test_an_unknown_bot_conversation_stops_and_a_missing_workflow_is_given_up(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path}/t.sqlite")
    bot_chat = TeamsConversation(engine, "tmsbot:unknown", "2026-11-30")
    assert post(bot_chat).kind == "channel_gone"
    sub = SubscriptionInfo.__new__(SubscriptionInfo)
    object.__setattr__(sub, "channel_id", "teams:nothing-stored")
    object.__setattr__(sub, "team_id", DEFAULT_TEAM)
    outcome = destination_for(engine, SlackClients(), sub, "2026-11-30")
    assert outcome == Outcome("give_up", error="Teams workflow URL missing")
    object.__setattr__(sub, "channel_id", "C0ALERTS")
    assert destination_for(engine, SlackClients(), sub, "") == Outcome(
        "retry", error="no bot token"
    )
