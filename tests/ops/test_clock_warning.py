"""`alerts subscribe` warns when no clock has ticked for 10 minutes (alerts would never arrive)."""

from __future__ import annotations

from datetime import timedelta

from bot.storage import heartbeat
from bot.storage.subscriptions import utcnow
from tests.slack.harness import block_text

WARNING = "no Flexcalc clock has run in the last 10 minutes"


def _subscribe(slack_app, text: str = "alerts subscribe 08:00 in NG1") -> str:
    response, url = slack_app.slack.command("/flex", text)
    assert response.status_code == 200
    [reply] = slack_app.fake.wait_replies(url)
    return block_text(reply)


def test_subscribing_with_no_clock_running_says_alerts_will_not_arrive(slack_app):
    shown = _subscribe(slack_app)
    assert "Every day at *08:00*" in shown  # subscribed all the same
    assert WARNING in shown and "flexcalc-bot clock" in shown


def test_a_clock_that_stopped_11_minutes_ago_is_not_running(slack_app):
    heartbeat.beat(slack_app.services.engine, "clock-a", utcnow() - timedelta(minutes=11))
    assert WARNING in _subscribe(slack_app, "alerts when price below 0")


def test_no_warning_while_a_clock_ticks(slack_app):
    heartbeat.beat(slack_app.services.engine, "clock-a", utcnow() - timedelta(minutes=4))
    shown = _subscribe(slack_app)
    assert "Every day at *08:00*" in shown and WARNING not in shown


def test_bad_input_gets_the_usage_message_not_the_clock_warning(slack_app):
    shown = _subscribe(slack_app, "alerts subscribe 25:00")
    assert WARNING not in shown


def test_every_clock_tick_beats_and_the_warning_goes_away(tmp_path, monkeypatch):
    from bot.alerts.tick_job import build_clock, run_tick
    from bot.storage.db import get_engine

    url = f"sqlite:///{tmp_path}/clock.sqlite"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    engine = get_engine(url)
    assert heartbeat.clock_is_stale(engine)
    clock = build_clock(5)
    try:
        run_tick(clock)
    finally:
        clock.release()
    assert not heartbeat.clock_is_stale(engine)
    assert (utcnow() - heartbeat.last_beat(engine)).total_seconds() < 60
