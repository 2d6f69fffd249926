"""The Agents SDK bot (POST /api/messages) in the real web app on loopback, offline: recorded-
shape Teams activities in, replies and proactive alerts out to a fake Bot Connector on loopback.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
import requests
import time_machine
from flask import Flask, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts.fanout import Clock, ClockSettings
from bot.alerts.slack_post import SlackClients
from bot.config import SlackConfig
from bot.one_process import create_one_process_app
from bot.services import Services
from bot.storage.subscriptions import SENT, Delivery, Subscription
from bot.teams import agent as agent_module
from bot.teams.agent import TeamsAgent
from bot.teams.cards import problems
from bot.web import create_web_app
from flexcalc.sources.sample import SampleProvider
from tests.fakes.slack_api import DEFAULT_TOKEN, serve
from tests.teams.conftest import FIXTURES

OFFLINE = {"CONNECTIONS": {"SERVICE_CONNECTION": {"SETTINGS": {}}}}


@dataclass
class FakeConnector:
    """The Bot Connector service (``serviceUrl``): records every activity the bot sends."""

    url: str = ""
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Flask:
        web = Flask("fake-connector")

        @web.post("/v3/conversations/<path:rest>")
        def activities(rest: str):
            with self.lock:
                self.posts.append((rest, request.get_json()))
            return {"id": f"reply-{len(self.posts)}"}

        return web

    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for _, body in self.posts
            for a in body.get("attachments", [])
            if a["contentType"] == "application/vnd.microsoft.card.adaptive"
        ]


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    fake = FakeConnector()
    server, fake.url = serve(fake.app())
    yield fake
    server.shutdown()


@dataclass
class Bot:
    url: str
    agent: TeamsAgent
    engine: Any

    def send(self, name: str, connector: FakeConnector, text: str | None = None, **headers):
        payload = json.loads((FIXTURES / name).read_text())
        payload["serviceUrl"] = connector.url + "/"
        payload["id"] = str(time.time_ns())  # Teams: a new id and the current time per activity
        payload["timestamp"] = datetime.now(UTC).isoformat(timespec="milliseconds")
        if text is not None:
            payload["text"] = text
        return requests.post(f"{self.url}/api/messages", json=payload, headers=headers, timeout=15)


@pytest.fixture
def bot(engine, fake_slack, monkeypatch) -> Iterator[Bot]:
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    monkeypatch.delenv("FLEX_REGION", raising=False)
    provider = SampleProvider()
    services = Services(engine=engine, provider_factory=lambda: provider)
    config = SlackConfig(bot_token=DEFAULT_TOKEN, signing_secret="x", api_url=fake_slack.api_url)
    web = create_web_app(create_one_process_app(config, services), services)
    assert "flexcalc_teams_agent" not in web.extensions  # not configured: not mounted
    agent = TeamsAgent(services, OFFLINE, anonymous=True)  # local development mode
    agent_module.register(web, services, agent=agent)
    server, url = serve(web)
    services.public_base_url = url
    yield Bot(url, agent, engine)
    server.shutdown()


def test_channel_mention_gets_the_card_in_the_thread(bot, connector):
    response = bot.send("agent_channel_message.json", connector)
    assert response.status_code == 202
    [(path, _)] = connector.posts
    assert ";messageid=1717571551558/activities/" in path  # the thread
    [card] = connector.cards()
    assert problems(card) == []
    assert card["body"][0]["text"] == "Best 4 h window — East Midlands (B)"
    image = next(e for e in card["body"] if e["type"] == "Image")["url"]
    chart = requests.get(image, timeout=5)
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")


def test_personal_chat_gets_the_same_answer(bot, connector):
    assert bot.send("agent_personal_message.json", connector).status_code == 202
    [card] = connector.cards()
    assert card["body"][0]["text"] == "Agile prices — London (C)"
    assert connector.posts[0][0].startswith("a:1pQ8vX2m")


def test_being_added_to_a_team_says_hello(bot, connector):
    assert bot.send("agent_installed.json", connector).status_code == 202
    [(_, body)] = connector.posts
    assert "alerts subscribe 08:00" in body["text"]


def test_alert_subscribed_in_a_channel_is_posted_there_once_a_day(bot, connector, fake_slack):
    response = bot.send("agent_channel_message.json", connector, text="<at>Flexcalc</at> "
                        "alerts subscribe 08:00 in London")  # fmt: skip
    assert response.status_code == 202
    [reply] = connector.cards()
    assert reply["body"][0]["text"] == "Daily alerts on"
    assert "/invite" not in json.dumps(reply)
    with Session(bot.engine) as session:
        [sub] = session.scalars(select(Subscription)).all()
    assert sub.channel_id.startswith("tmsbot:")

    agent_module.use_agent(bot.agent)
    try:
        clients = SlackClients(bot.engine, default_token=DEFAULT_TOKEN, base_url=fake_slack.api_url)
        clock = Clock(bot.engine, SampleProvider(), clients,
                      settings=ClockSettings(renew_every=0.0))  # fmt: skip
        start = pd.Timestamp("2024-06-05 07:50").tz_localize("Europe/London").to_pydatetime()
        with time_machine.travel(start, tick=False) as traveller:
            for minutes in range(0, 40, 5):
                traveller.move_to(start + pd.Timedelta(minutes=minutes))
                clock.tick()
    finally:
        agent_module.use_agent(None)

    proactive = connector.posts[1:]
    assert len(proactive) == 1  # exactly one alert, at 08:00
    path, body = proactive[0]
    # the channel's root conversation (a new post, not the thread the subscription came from)
    assert path.startswith("19:8f2d6a1c3b4e5f60718293a4b5c6d7e8@thread.tacv2/activities")
    card = body["attachments"][0]["content"]
    assert problems(card) == [] and "greener times" in card["body"][0]["text"]
    with Session(bot.engine) as session:
        assert [d.status for d in session.scalars(select(Delivery))] == [SENT]


def test_configured_bot_refuses_requests_without_a_valid_token(
    engine, fake_slack, connector, monkeypatch
):
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", "0b7c1d2e-app")
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET", "not-used")
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID", "5e1f2a3b-tenant")
    services = Services(engine=engine, provider_factory=SampleProvider)
    config = SlackConfig(bot_token=DEFAULT_TOKEN, signing_secret="x", api_url=fake_slack.api_url)
    web = create_web_app(create_one_process_app(config, services), services)
    assert "flexcalc_teams_agent" in web.extensions  # configured: mounted
    server, url = serve(web)
    try:
        bot = Bot(url, web.extensions["flexcalc_teams_agent"], engine)
        for headers in ({}, {"Authorization": "Bearer abc.def.ghi"}, {"Authorization": "Basic x"}):
            response = bot.send("agent_channel_message.json", connector, **headers)
            assert response.status_code == 401, headers
    finally:
        server.shutdown()
    assert connector.posts == []
