"""`/flex alerts ...` through the shared parser: subscribe, list, unsubscribe, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from bot.alerts.commands import handle_alerts
from bot.answering import Where, reply_to
from bot.services import Services
from bot.storage.settings import set_region
from flexcalc.commands.requests import AlertsRequest
from flexcalc.regions import Region
from tests.alerts.conftest import TEAM
from tests.alerts.helpers import subscribe, subscriptions


def test_subscribe_stores_a_channel_scoped_alert_and_says_when(engine):
    reply = subscribe(engine, "alerts subscribe 08:00 in NG1 4h tomorrow", "C0OPS")
    assert not reply.is_error
    assert reply.title == "Daily alerts on"
    text = reply.to_text()
    assert "Every day at *08:00* UK time" in text and "East Midlands (B)" in text
    assert "4 h" in text and "tomorrow's prices" in text.lower()
    [sub] = subscriptions(engine)
    assert (sub.team_id, sub.channel_id, sub.at_time, sub.region_letter) == (
        TEAM,
        "C0OPS",
        "08:00",
        "B",
    )
    assert (sub.duration_minutes, sub.tomorrow, sub.created_by) == (240, True, "U0ALICE")


def test_defaults_come_from_the_channel_region_and_08_00(engine):
    set_region(engine, TEAM, "N", channel_id="C0SCOT")
    reply = subscribe(engine, "alerts subscribe", "C0SCOT")
    [sub] = subscriptions(engine)
    assert (sub.at_time, sub.region_letter, sub.duration_minutes) == ("08:00", "N", None)
    assert "1 h, 2 h and 4 h" in reply.to_text()


def test_resubscribing_updates_instead_of_doubling(engine):
    subscribe(engine, "alerts subscribe 08:00 in C", "C0OPS")
    reply = subscribe(engine, "alerts subscribe 09:30 in C 2h", "C0OPS")
    assert reply.title == "Daily alerts updated"
    assert [(s.at_time, s.duration_minutes) for s in subscriptions(engine)] == [("09:30", 120)]


def test_list_and_unsubscribe_only_touch_this_channel(engine):
    subscribe(engine, "alerts subscribe 08:00 in C", "C0OPS")
    subscribe(engine, "alerts when price below 0", "C0OPS")
    subscribe(engine, "alerts subscribe 07:00 in A", "C0OTHER")
    listing = subscribe(engine, "alerts list", "C0OPS").to_text()
    assert "Alerts in this channel (2)" in listing
    assert "daily at 08:00 in region C" in listing and "when price below 0 p/kWh" in listing
    assert "daily at 07:00" not in listing and "region A" not in listing
    reply = subscribe(engine, "alerts unsubscribe", "C0OPS")
    assert reply.summary == "Removed 2 alerts from this channel."
    assert [s.channel_id for s in subscriptions(engine)] == ["C0OTHER"]
    assert subscribe(engine, "alerts list", "C0OPS").title == "No alerts here"


def test_another_workspace_cannot_see_or_remove_them(engine):
    subscribe(engine, "alerts subscribe 08:00 in C", "C0OPS")
    other = subscribe(engine, "alerts unsubscribe", "C0OPS", team="T0OTHER")
    assert other.title == "No alerts here"
    assert len(subscriptions(engine)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "alerts subscribe 25:00",
        "alerts subscribe 08:00 in Atlantis",
        "alerts subscribe 08:00 in ZZ9 9ZZ",
        "alerts subscribe 08:00 45h",
        "alerts subscribe at noonish",
        "alerts when price below cheap",
        "alerts when wind above 50",
    ],
)
def test_bad_subscribe_input_gets_a_clear_reply_and_stores_nothing(engine, text, monkeypatch):
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    services = Services(engine=engine)
    reply = reply_to(text, services, Where(team_id=TEAM, channel_id="C0OPS", user_id="U0A"))
    assert reply.is_error
    assert reply.summary and "Traceback" not in reply.to_text()
    assert "Try:" in reply.to_text() or "alerts" in reply.to_text()
    assert subscriptions(engine) == []


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (AlertsRequest("subscribe", duration=pd.Timedelta(minutes=45)), "multiple of 30"),
        (AlertsRequest("subscribe", duration=pd.Timedelta(hours=30)), "up to 24 h"),
        (
            AlertsRequest("subscribe", region=Region("X", "Nowhere", 99, "Nowhere", 99, "nobody")),
            "region",
        ),
        (AlertsRequest("subscribe", threshold=("carbon", "below", -5.0)), "from 0 to 1000"),
        (AlertsRequest("subscribe", threshold=("price", "below", float("nan"))), "a number"),
        (AlertsRequest("snooze"), "alerts snooze"),
    ],
)
def test_handle_alerts_validates_again_and_stores_nothing(engine, request_, message):
    reply = handle_alerts(request_, engine=engine, team_id=TEAM, channel_id="C0OPS", user_id="U")
    assert reply.is_error and message in reply.summary
    assert subscriptions(engine) == []


def test_pause_and_resume(engine):
    subscribe(engine, "alerts subscribe 08:00 in C", "C0OPS")
    assert subscribe(engine, "alerts pause", "C0OPS").title == "Alerts paused"
    assert subscriptions(engine)[0].status == "paused"
    assert subscribe(engine, "alerts resume", "C0OPS").title == "Alerts resumed"
    assert subscriptions(engine)[0].status == "active"


def test_without_a_database_it_explains_instead_of_failing():
    reply = handle_alerts(
        AlertsRequest("list"), engine=None, team_id=TEAM, channel_id="C", user_id="U"
    )
    assert reply.is_error and "set up in Slack" in reply.summary


def test_threshold_and_updates_default_to_the_channels_daily_alert_region(engine):
    subscribe(engine, "alerts subscribe 08:00 in NG1", "C0OPS")
    subscribe(engine, "alerts when price below 0", "C0OPS")
    subscribe(engine, "alerts subscribe 09:00", "C0OPS")
    assert [(s.kind, s.region_letter, s.at_time) for s in subscriptions(engine)] == [
        ("daily", "B", "09:00"),
        ("threshold", "B", "08:00"),
    ]
