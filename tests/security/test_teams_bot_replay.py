"""Replays on the Teams bot (``POST /api/messages``): an activity with a valid Bot Framework
token, captured and sent again, is acknowledged (200) and answered once; a token for another
bot, or none, still gets 401 and no answer."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from microsoft_agents.authentication.msal import MsalAuth

from bot.teams.agent import TeamsAgent
from tests.fakes import bot_framework
from tests.teams.conftest import FIXTURES
from tests.teams.test_agent import FakeConnector

APP_ID = "5f0c2a9e-4b7d-4e1a-9c3b-flexcalc0001"
CONFIG = {"CONNECTIONS": {"SERVICE_CONNECTION": {"SETTINGS": {"CLIENTID": APP_ID,
          "TENANTID": "botframework.com", "CLIENTSECRET": "unused"}}}}  # fmt: skip


@pytest.fixture
def tokens(monkeypatch) -> Iterator[bot_framework.BotFrameworkTokens]:
    async def outbound_token(self, resource_url, scopes, force_refresh=False) -> str:
        return "token-for-the-fake-connector"  # replies go to the loopback connector

    monkeypatch.setattr(MsalAuth, "get_access_token", outbound_token)
    with bot_framework.running(APP_ID, monkeypatch) as fake:
        yield fake


@pytest.fixture
def secured(bot, tokens):
    """The web app's /api/messages served by a bot that requires Bot Framework tokens."""
    agent = TeamsAgent(bot.agent.services, CONFIG)
    bot.agent.auth, bot.agent.adapter, bot.agent.app = agent.auth, agent.adapter, agent.app
    bot.agent.app_id = agent.app_id
    return bot


def _activity(connector: FakeConnector, text: str) -> bytes:
    payload = json.loads((FIXTURES / "agent_personal_message.json").read_text())
    payload.update({"serviceUrl": connector.url + "/", "text": text, "id": str(time.time_ns()),
                    "timestamp": datetime.now(UTC).isoformat()})  # fmt: skip
    payload["recipient"]["id"] = f"28:{APP_ID}"
    return json.dumps(payload).encode()


def _post(side, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{side.url}/api/messages", data=body, timeout=15,
                         headers={"Content-Type": "application/json", **headers})  # fmt: skip


def test_a_captured_authorised_activity_sent_again_is_answered_once(secured, tokens, connector):
    body, header = _activity(connector, "prices"), tokens.header()
    first = _post(secured, body, header)
    assert first.status_code in (200, 202)
    assert len(connector.cards()) == 1
    for _ in range(2):  # the same bytes and token, as an attacker who captured them would
        again = _post(secured, body, header)
        assert again.status_code == 200
    time.sleep(0.5)
    assert len(connector.cards()) == 1
    other = _post(secured, _activity(connector, "carbon"), tokens.header())  # a new activity
    assert other.status_code in (200, 202) and len(connector.cards()) == 2


@pytest.mark.parametrize("audience", ["another-bot", None])
def test_without_a_token_for_this_bot_nothing_is_answered(secured, tokens, connector, audience):
    header = tokens.header(audience=audience) if audience else {}
    response = _post(secured, _activity(connector, "prices"), header)
    assert response.status_code == 401 and connector.posts == []


def test_an_activity_older_than_the_replay_window_is_refused(secured, tokens, connector):
    payload = json.loads(_activity(connector, "prices"))
    payload["timestamp"] = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    response = _post(secured, json.dumps(payload).encode(), tokens.header())
    assert response.status_code == 401 and connector.posts == []
