"""Acks come back at once whatever the workers are doing; each request is answered once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine

from bot.config import SlackConfig
from tests.fakes.slack_api import DEFAULT_TOKEN
from tests.slack.conftest import start_app
from tests.slack.harness import SIGNING_SECRET, block_text

ACK_LIMIT = 3.0  # seconds Slack waits for the HTTP answer to a slash command


def test_acks_stay_fast_while_every_worker_is_stuck_on_a_slow_slack(slack_app):
    # Every answer holds a worker >= 3 s, so an ack queued behind a worker would take >= 3 s:
    # Slack's own limit, past which the user sees "operation_timeout".
    slack_app.fake.delays["response_url"] = ACK_LIMIT
    started = time.monotonic()
    with ThreadPoolExecutor(40) as pool:
        timed = list(
            pool.map(
                lambda n: _timed_command(slack_app, f"bestslot {1 + n % 3}h"),
                range(40),
            )
        )
    burst = time.monotonic() - started
    assert all(response.status_code == 200 for response, _, _ in timed)
    slowest = max(seconds for _, seconds, _ in timed)
    assert slowest < ACK_LIMIT, f"an ack took {slowest:.2f} s behind the busy workers"
    assert burst < ACK_LIMIT * 40 / 8  # the burst was acked before the 8 workers could finish it
    for _, _, url in timed:  # ...and every command still gets its answer
        [answer] = slack_app.fake.wait_replies(url, timeout=60)
        assert "Best" in block_text(answer)


def _timed_command(slack_app, text: str):
    started = time.monotonic()
    response, url = slack_app.slack.command("/flex", text)
    return response, time.monotonic() - started, url


def _mention(slack_app, event_id: str, retry: int | None = None):
    return slack_app.slack.event(
        {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": "<@U0FLEXBOT> carbon",
            "ts": "1700000005.000500",
            "channel": "C0GENERAL",
            "event_ts": "1700000005.000500",
        },
        event_id=event_id,
        retry=retry,
    )


def test_a_redelivered_event_is_answered_once(slack_app):
    assert _mention(slack_app, "Ev0REDELIVER").status_code == 200
    for retry in (1, 2):  # Slack thought we were slow and sent it again, twice
        assert _mention(slack_app, "Ev0REDELIVER", retry=retry).status_code == 200
    slack_app.fake.wait_calls("chat.postMessage")
    slack_app.fake.wait_calls("files.completeUploadExternal")
    time.sleep(1.0)  # give a duplicate the time to show up
    assert len(slack_app.fake.calls_to("chat.postMessage")) == 1
    assert _mention(slack_app, "Ev0SECOND").status_code == 200  # a new event is a new answer
    slack_app.fake.wait_calls("chat.postMessage", count=2)


def test_rate_limited_answers_wait_and_arrive(slack_app):
    slack_app.fake.rate_limit("chat.postMessage", times=2, retry_after=1)
    _mention(slack_app, "Ev0LIMITED")
    [post] = slack_app.fake.wait_calls("chat.postMessage", timeout=30)
    assert "Carbon" in block_text(post.params) or "carbon" in block_text(post.params)
    assert len([c for c in slack_app.fake.refused if c.method == "chat.postMessage"]) == 2


def test_database_down_still_answers_bestslot_prices_and_carbon(fake_slack, make_services):
    dead = create_engine("postgresql+psycopg://flex@127.0.0.1:9/none?connect_timeout=1")
    services = make_services()
    services.engine = dead  # every query now fails: connection refused
    config = SlackConfig(
        bot_token=DEFAULT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake_slack.api_url
    )
    running, stop = start_app(fake_slack, services, config)
    try:
        asks = (("/bestslot", "2h", "Best"), ("/prices", "", "rices"), ("/carbon", "", "arbon"))
        for command, words, expected in asks:
            response, url = running.slack.command(command, words)
            assert response.status_code == 200
            [answer] = fake_slack.wait_replies(url, timeout=30)
            text = block_text(answer)
            assert expected in text and "Sorry" not in text
            assert "Share to channel" not in text  # nothing kept to share
            assert "London" in text  # the default region (no FLEX_REGION): C
    finally:
        stop()
