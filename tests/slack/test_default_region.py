"""FLEX_REGION is the deployment's default region, whatever way it is written."""

from __future__ import annotations

import pytest

from bot.alerts import store
from tests.fakes.slack_api import DEFAULT_TEAM
from tests.slack.harness import block_text


@pytest.mark.parametrize("setting", ["East Midlands", "B", "NG1 1AA"])
def test_region_answers_and_alerts_agree_on_flex_region(slack_app, monkeypatch, setting):
    monkeypatch.setenv("FLEX_REGION", setting)
    _, url = slack_app.slack.command("/flex", "region")
    [shown] = slack_app.fake.wait_replies(url, timeout=30)
    assert "Default region: East Midlands" in block_text(shown)

    _, url = slack_app.slack.command("/bestslot", "1h")
    [answer] = slack_app.fake.wait_replies(url, timeout=30)
    assert "East Midlands" in block_text(answer)

    _, url = slack_app.slack.command("/flex", "alerts subscribe 08:00")
    [subscribed] = slack_app.fake.wait_replies(url, timeout=30)
    assert "East Midlands" in block_text(subscribed)
    [sub] = store.list_for_channel(slack_app.services.engine, DEFAULT_TEAM, "C0GENERAL")
    assert sub.region_letter == "B"


def test_a_flex_region_that_is_not_a_region_means_london(slack_app, monkeypatch):
    monkeypatch.setenv("FLEX_REGION", "Atlantis")
    _, url = slack_app.slack.command("/flex", "region")
    [shown] = slack_app.fake.wait_replies(url, timeout=30)
    assert "Default region: London" in block_text(shown)
