"""Live data through the fake Octopus and Carbon Intensity servers, and what users see when
those APIs fail or hang: an ack within Slack's 3 seconds and an honest answer, never silence."""

from __future__ import annotations

import time

import pytest

from bot.config import SlackConfig
from bot.services import Services
from tests.fakes.slack_api import DEFAULT_TOKEN
from tests.slack.conftest import start_app
from tests.slack.harness import SIGNING_SECRET, block_text


@pytest.fixture
def live_app(fake_slack, fake_octopus, fake_carbon, fake_now, engine, monkeypatch):
    from flexcalc.sources.providers import make_provider

    monkeypatch.delenv("FLEX_REGION", raising=False)
    services = Services(engine=engine, provider_factory=make_provider, clock=lambda: fake_now)
    config = SlackConfig(
        bot_token=DEFAULT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake_slack.api_url
    )
    running, stop = start_app(fake_slack, services, config)
    try:
        yield running
    finally:
        stop()


def test_live_answer_comes_from_the_apis_and_is_not_labelled_sample(live_app, fake_octopus):
    _, url = live_app.slack.command("/bestslot", "2h for price")
    [reply] = live_app.fake.wait_replies(url)
    text = block_text(reply)
    assert "Best 2 h window — London (C)" in text
    assert "sample" not in text.lower()
    assert fake_octopus.api_requests("standard-unit-rates")


def test_upstream_errors_still_ack_fast_and_answer_honestly(live_app, fake_octopus):
    fake_octopus.fail_next(50, status=500)
    started = time.monotonic()
    response, url = live_app.slack.command("/prices", "")
    assert response.status_code == 200
    assert time.monotonic() - started < 3
    [reply] = live_app.fake.wait_replies(url, timeout=60)
    text = block_text(reply)
    assert reply["response_type"] == "ephemeral"
    assert "Octopus" in text and "errors" in text and "try again" in text
    assert "Traceback" not in text


@pytest.mark.slow
def test_a_hanging_upstream_never_delays_the_ack(live_app, fake_carbon):
    fake_carbon.hang_next(12, count=4)
    started = time.monotonic()
    response, url = live_app.slack.command("/carbon", "")
    acked = time.monotonic() - started
    assert response.status_code == 200
    assert acked < 3
    assert live_app.fake.replies(url) == []  # still working, but Slack already has its ack
    still, reply = live_app.fake.wait_replies(url, count=2, timeout=90)
    assert "Still working on it" in still["text"]  # after 5 s the user knows we're on it
    text = block_text(reply)
    assert "Traceback" not in text
    assert text.strip()  # an honest answer or apology, never silence
