"""Replays: a captured, validly signed Slack or Teams request sent again is acknowledged and
dropped; old or undated Teams activities are refused outright."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from bot.security import retention
from bot.security.replay import ReplayGuard
from bot.security.tables import SeenRequest
from bot.storage.db import get_engine
from bot.teams.outgoing import sign as teams_sign
from tests.fakes.slack_api import DEFAULT_TEAM
from tests.slack.harness import sign as slack_sign
from tests.teams.conftest import SECRET, activity

SLACK_SECRET = "unused-here"  # make_teams_app's Slack signing secret


@pytest.fixture
def app(make_teams_app):
    return make_teams_app()


def _post_slack(app, body: str, content_type: str, signed: dict[str, str], **headers: str):
    return app.session.post(
        f"{app.url}/slack/events",
        data=body.encode(),
        headers={"Content-Type": content_type, **signed, **headers},
        timeout=10,
    )


def test_a_replayed_slash_command_is_acted_on_once(app, fake_slack):
    url = fake_slack.response_url("once")
    body = urlencode({"team_id": DEFAULT_TEAM, "channel_id": "C0GENERAL", "user_id": "U0MALLORY",
                      "command": "/flex", "text": "help", "response_url": url,
                      "trigger_id": "7001.1.replayed"})  # fmt: skip
    signed = slack_sign(body, secret=SLACK_SECRET)  # captured once, sent three times
    statuses = [_post_slack(app, body, "application/x-www-form-urlencoded", signed).status_code
                for _ in range(3)]  # fmt: skip
    assert statuses == [200, 200, 200]  # acknowledged, so Slack (or the attacker) stops
    fake_slack.wait_replies(url)
    time.sleep(1.0)  # had a replay run, its answer would be here by now
    assert len(fake_slack.replies(url)) == 1


def test_a_redelivered_event_is_answered_once(app, fake_slack):
    payload = {
        "team_id": DEFAULT_TEAM, "api_app_id": "A0FLEXCALC", "type": "event_callback",
        "event_id": "Ev0REPLAYED", "event_time": int(time.time()),
        "event": {"type": "app_mention", "user": "U0ALICE", "text": "<@U0FLEXBOT> help",
                  "ts": "1700000005.000500", "channel": "C0GENERAL",
                  "event_ts": "1700000005.000500"},
    }  # fmt: skip
    body = json.dumps(payload)
    first = _post_slack(app, body, "application/json", slack_sign(body, secret=SLACK_SECRET))
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    again = _post_slack(
        app, body, "application/json", slack_sign(body, secret=SLACK_SECRET), **retry
    )
    assert (first.status_code, again.status_code) == (200, 200)
    fake_slack.wait_calls("chat.postMessage")
    time.sleep(1.0)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_replayed_teams_activity_is_refused(app):
    body = json.dumps(activity("<at>Flexcalc</at> help")).encode()
    first = app.post(body, teams_sign(body, SECRET))
    again = app.post(body, teams_sign(body, SECRET))
    assert first.status_code == 200 and first.json()["type"] == "message"
    assert again.status_code == 409 and "attachments" not in again.json()


@pytest.mark.parametrize(
    "stamp",
    [
        (datetime.now(UTC) - timedelta(hours=3)).isoformat(),  # captured earlier today
        (datetime.now(UTC) + timedelta(hours=1)).isoformat(),  # from the future
        "",
        "not a time",
        None,
    ],
)
def test_old_or_undated_teams_activities_are_refused(app, stamp):
    payload = activity("<at>Flexcalc</at> region A")
    if stamp is None:
        del payload["timestamp"]
    else:
        payload["timestamp"] = stamp
    body = json.dumps(payload).encode()
    response = app.post(body, teams_sign(body, SECRET))
    assert response.status_code == 401 and "attachments" not in response.json()


def test_the_record_is_shared_by_processes_and_expires_after_the_window(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path}/replay.sqlite")
    worker_a, worker_b = ReplayGuard(engine), ReplayGuard(engine)  # two gunicorn workers
    now = datetime(2026, 3, 29, 0, 30)
    assert worker_a.first_time("slack", "event_id=Ev1", now)
    assert not worker_b.first_time("slack", "event_id=Ev1", now + timedelta(minutes=30))
    assert worker_b.first_time("slack", "event_id=Ev2", now)
    assert worker_a.first_time("slack", "event_id=Ev1", now + worker_a.window + timedelta(1))


def test_without_a_database_the_record_is_kept_in_memory():
    guard = ReplayGuard(None)
    assert guard.first_time("teams", "a") and not guard.first_time("teams", "a")
    assert guard.first_time("teams", "b")


def test_the_ack_path_writes_only_the_replay_record(app, fake_slack):
    """One dedupe owner: the request thread inserts the replay record and enqueues; it deletes
    nothing (expired records are the clock's job) and the queue does not dedupe again."""
    on_request_thread: list[str] = []

    @event.listens_for(app.engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        if "process_request_thread" in threading.current_thread().name:
            on_request_thread.append(" ".join(statement.split()).upper())

    url = fake_slack.response_url("ack")
    body = urlencode({"team_id": DEFAULT_TEAM, "channel_id": "C0GENERAL", "user_id": "U0ALICE",
                      "command": "/flex", "text": "region", "response_url": url,
                      "trigger_id": "7002.1.ack-path"})  # fmt: skip
    signed = slack_sign(body, secret=SLACK_SECRET)
    assert _post_slack(app, body, "application/x-www-form-urlencoded", signed).status_code == 200
    fake_slack.wait_replies(url)
    event.remove(app.engine, "before_cursor_execute", record)
    writes = [s for s in on_request_thread if not s.startswith(("SELECT", "PRAGMA"))]
    assert [w.split("(")[0].strip() for w in writes] == ["INSERT INTO SEEN_REQUESTS"]


def test_the_clock_tick_forgets_expired_replay_records(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path}/replay.sqlite")
    guard = ReplayGuard(engine)
    start = datetime(2026, 10, 25, 0, 30)
    guard.first_time("slack", "event_id=Old", start)
    guard.first_time("slack", "event_id=New", start + guard.window)
    assert _rows(engine) == 2  # a request never deletes
    retention.purge_due(engine, start + guard.window + timedelta(minutes=1))
    assert _rows(engine) == 1
    assert not guard.first_time("slack", "event_id=New", start + guard.window)


def _rows(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(SeenRequest))
