"""The alert's buttons, the Home-tab buttons and the create modal, through the real Bolt app
over signed HTTP, with the fake Slack recording what users would see."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pandas as pd
import pytest

from bot.alerts import home
from bot.alerts.slack_post import REMIND_ACTION, SNOOZE_ACTION
from bot.config import SlackConfig
from bot.one_process import create_one_process_app
from bot.services import Services
from bot.web import create_web_app
from flexcalc.sources.sample import SampleProvider
from tests.alerts.conftest import TEAM
from tests.alerts.helpers import subscribe, subscriptions
from tests.fakes.slack_api import DEFAULT_TOKEN, serve
from tests.slack.harness import SIGNING_SECRET, SlackClientSide


@pytest.fixture
def app(engine, slack, monkeypatch) -> Iterator[SlackClientSide]:
    monkeypatch.setenv("DATABASE_URL", str(engine.url))
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    config = SlackConfig(
        bot_token=DEFAULT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack.api_url
    )
    services = Services(engine=engine, provider_factory=SampleProvider)
    server, url = serve(create_web_app(create_one_process_app(config, services), services))
    try:
        yield SlackClientSide(url, slack)
    finally:
        server.shutdown()


def test_snooze_button_skips_the_alert_for_a_week(engine, slack, app):
    subscribe(engine, "alerts subscribe 08:00 in C", "C0OPS")
    [sub] = subscriptions(engine)
    response, response_url = app.click(SNOOZE_ACTION, str(sub.id), channel_id="C0OPS")
    assert response.status_code == 200
    [note] = slack.wait_replies(response_url)
    assert "snoozed until" in note["text"] and note["response_type"] == "ephemeral"
    [sub] = subscriptions(engine)
    days = (sub.paused_until - pd.Timestamp.now(tz="UTC").tz_localize(None)).days
    assert days == 6 or days == 7
    assert "snoozed until" in subscribe(engine, "alerts list", "C0OPS").to_text()


def test_remind_me_schedules_a_dm_at_the_best_window(slack, app):
    start = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(hours=3)).floor("30min")
    value = json.dumps(
        {
            "start": start.isoformat(),
            "end": (start + pd.Timedelta(hours=2)).isoformat(),
            "title": "Today",
        }
    )
    _, response_url = app.click(REMIND_ACTION, value, channel_id="C0OPS", user_id="U0CAROL")
    [note] = slack.wait_replies(response_url)
    assert note["text"].startswith("OK — I'll DM you at")
    [scheduled] = slack.calls_to("chat.scheduleMessage")
    assert scheduled.params["channel"] == "D0CAROL"
    assert int(scheduled.params["post_at"]) == int(start.timestamp())
    assert "best time to use electricity" in scheduled.params["text"]


def test_remind_me_for_a_window_already_under_way(slack, app):
    start = pd.Timestamp.now(tz="UTC") - pd.Timedelta(minutes=30)
    value = json.dumps(
        {"start": start.isoformat(), "end": (start + pd.Timedelta(hours=2)).isoformat()}
    )
    _, response_url = app.click(REMIND_ACTION, value, channel_id="C0OPS")
    [note] = slack.wait_replies(response_url)
    assert "is now" in note["text"]
    assert slack.calls_to("chat.scheduleMessage") == []


def test_home_pause_and_remove_buttons(engine, slack, app):
    subscribe(engine, "alerts subscribe 08:00 in C", "C0OPS", user="U0ALICE")
    subscribe(engine, "alerts subscribe 09:00 in A", "C0SALES", user="U0ALICE")
    first, second = subscriptions(engine)
    app.click(home.PAUSE_ACTION, str(first.id), channel_id=None)
    [published] = slack.wait_calls("views.publish")
    view = published.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    text = json.dumps(view)
    assert "Your alerts" in text and "<#C0OPS>" in text and "*paused*" in text
    assert "Resume" in text and "New alert" in text
    assert text.count("Your alerts") == 1  # once, whether or not the Home view already has it
    assert [s.status for s in subscriptions(engine)] == ["paused", "active"]

    app.click(home.REMOVE_ACTION, str(second.id), channel_id=None)
    slack.wait_calls("views.publish", 2)
    assert [s.channel_id for s in subscriptions(engine)] == ["C0OPS"]
    # another workspace's click cannot touch it
    app.click(home.REMOVE_ACTION, str(first.id), channel_id=None, team_id="T0OTHER")
    time.sleep(0.5)
    assert len(subscriptions(engine)) == 1


def _eventually(read, seconds: float = 10.0):
    """What ``read()`` returns once it is not empty (the job runs moments after the ack)."""
    deadline = time.monotonic() + seconds
    while not (found := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def _submit(app: SlackClientSide, values: dict) -> dict:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "flexcalc-test"},
        "user": {"id": "U0ALICE", "team_id": TEAM},
        "api_app_id": "A0FLEXCALC",
        "trigger_id": f"{time.monotonic_ns()}.1.abc",  # unique, like Slack's
        "view": {
            "id": "VMODAL",
            "type": "modal",
            "callback_id": home.CREATE_CALLBACK,
            "state": {"values": values},
        },
    }
    response = app._post(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    return response.json() if response.content else {}


def _values(channel: str | None, at: str = "07:30", region: str = "B", length: str = "4h"):
    option = {"selected_option": {"value": region}}
    return {
        "channel": {"channel": {"type": "conversations_select", "selected_conversation": channel}},
        "at": {"at": {"type": "timepicker", "selected_time": at}},
        "region": {"region": {"type": "static_select", **option}},
        "length": {"length": {"type": "static_select", "selected_option": {"value": length}}},
        "tomorrow": {"tomorrow": {"type": "checkboxes", "selected_options": [{"value": "y"}]}},
    }


def test_new_alert_modal_opens_and_creates_a_subscription(engine, slack, app):
    app.click(home.NEW_ACTION, "new", channel_id=None)
    [opened] = slack.wait_calls("views.open")
    assert home.CREATE_CALLBACK in json.dumps(opened.params)

    assert _submit(app, _values(None)) == {
        "response_action": "errors",
        "errors": {"channel": "Pick a channel to post in."},
    }
    assert subscriptions(engine) == []

    assert _submit(app, _values("C0PLANT")) == {}  # the form closes; a job stores the alert
    [sub] = _eventually(lambda: subscriptions(engine))
    assert (sub.channel_id, sub.at_time, sub.region_letter, sub.duration_minutes, sub.tomorrow) == (
        "C0PLANT",
        "07:30",
        "B",
        240,
        True,
    )
    [confirmation] = slack.wait_for(
        lambda s: [c for c in s.calls_to("chat.postMessage") if c.params["channel"] == "C0PLANT"]
    )
    assert "set up Flexcalc alerts here" in confirmation.params["text"]
