"""Socket Mode: the same app, fed envelopes the way SocketModeHandler does (no WebSocket)."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.config import SlackConfig
from bot.one_process import create_one_process_app
from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN
from tests.slack.harness import block_text


class RecordingSocket:
    """Stands in for the WebSocket client: keeps the acks the handler sends back."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("socket-test")
        self.sent: list[Any] = []

    def send_socket_mode_response(self, response: Any) -> None:
        self.sent.append(response)


@pytest.fixture
def socket_handler(fake_slack, make_services):
    config = SlackConfig(
        bot_token=DEFAULT_TOKEN, app_token="xapp-1-test", api_url=fake_slack.api_url
    )
    app = create_one_process_app(config, make_services())
    handler = SocketModeHandler(app, config.app_token)
    try:
        yield handler
    finally:
        handler.close()


def test_slash_command_over_socket_mode_is_acked_and_answered(socket_handler, fake_slack):
    socket = RecordingSocket()
    url = fake_slack.response_url("socket")
    payload = {
        "team_id": DEFAULT_TEAM,
        "channel_id": "C0GENERAL",
        "user_id": "U0ALICE",
        "command": "/flex",
        "text": "region L",
        "response_url": url,
    }
    started = time.monotonic()
    socket_handler.handle(socket, SocketModeRequest("slash_commands", "env-1", payload))
    assert time.monotonic() - started < 3
    assert [r.envelope_id for r in socket.sent] == ["env-1"]
    [reply] = fake_slack.wait_replies(url)
    assert reply["response_type"] == "ephemeral"
    assert "South Western (L)" in block_text(reply)


def test_mention_over_socket_mode_is_answered_in_thread(socket_handler, fake_slack):
    socket = RecordingSocket()
    envelope = {
        "team_id": DEFAULT_TEAM,
        "type": "event_callback",
        "event_id": "Ev1",
        "event": {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": "<@UBOT> help prices",
            "ts": "1700000002.000200",
            "channel": "C0GENERAL",
        },
    }
    socket_handler.handle(socket, SocketModeRequest("events_api", "env-2", envelope))
    assert [r.envelope_id for r in socket.sent] == ["env-2"]
    [post] = fake_slack.wait_calls("chat.postMessage")
    assert post.params["channel"] == "C0GENERAL"
    assert post.params["thread_ts"] == "1700000002.000200"
    assert "prices" in block_text(post.params).lower()
