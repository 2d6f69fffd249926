"""Slash commands as a Slack user experiences them (listeners/commands)."""

from __future__ import annotations

import time

from tests.slack.harness import block_text


def test_help_is_acked_at_once_and_answered_privately(slack_app):
    started = time.monotonic()
    response, url = slack_app.slack.command("/flex", "help")
    acked = time.monotonic() - started
    assert response.status_code == 200
    assert acked < 3
    [reply] = slack_app.fake.wait_replies(url)
    assert reply["response_type"] == "ephemeral"
    text = block_text(reply)
    assert "bestslot" in text and "carbon" in text and "prices" in text
    assert slack_app.fake.calls_to("chat.postMessage") == []


def test_wrong_input_gets_a_friendly_private_usage_message(slack_app):
    response, url = slack_app.slack.command("/bestslot", "banana")
    assert response.status_code == 200
    [reply] = slack_app.fake.wait_replies(url)
    assert reply["response_type"] == "ephemeral"
    text = block_text(reply)
    assert "banana" in text
    assert "Try: bestslot" in text
    assert "Traceback" not in text
    assert "Share to channel" not in text  # nothing to share
