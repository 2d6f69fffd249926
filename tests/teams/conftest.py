"""Fixtures for the Teams tests: offline data, a SQLite file, the real web app on loopback."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine

from bot.config import SlackConfig
from bot.one_process import create_one_process_app
from bot.security import outbound
from bot.services import Services
from bot.storage.db import get_engine
from bot.teams.outgoing import OutgoingWebhook, sign
from bot.web import create_web_app
from flexcalc.sources.sample import SampleProvider
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack, serve

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = base64.b64encode(b"flexcalc-teams-test-secret-0123456789abcdef").decode()


def activity(text: str) -> dict[str, Any]:
    """The recorded-shape outgoing-webhook activity with ``text`` in place of the command."""
    payload = json.loads((FIXTURES / "outgoing_message.json").read_text())
    payload["text"] = text
    payload["id"] = str(time.time_ns())  # Teams: a new id and the current time per activity
    payload["timestamp"] = datetime.now(UTC).isoformat(timespec="milliseconds")
    return payload


class CountingProvider:
    """The bundled sample provider, counting forecasts and optionally slow."""

    def __init__(self, delay: float = 0.0) -> None:
        self.inner = SampleProvider()
        self.delay = delay
        self.forecasts = 0

    def forecast(self, region, now):
        import time

        self.forecasts += 1
        time.sleep(self.delay)
        return self.inner.forecast(region, now)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


LOOPBACK = outbound.OutboundPolicy(
    hosts=(*outbound.DEFAULT_HOSTS, "localhost", "127.0.0.1"),
    schemes=("http", "https"),
    allow_private=True,
)


@pytest.fixture(autouse=True)
def loopback_workflows() -> Iterator[None]:
    """The Teams tests' workflow endpoints are loopback fakes: let the policy allow them
    (tests/security checks the production policy)."""
    outbound.use_policy(LOOPBACK)
    yield
    outbound.use_policy(None)


@pytest.fixture
def engine(tmp_path) -> Engine:
    return get_engine(f"sqlite:///{tmp_path}/teams.sqlite")


@dataclass
class TeamsSide:
    """What Teams does towards the app: signed outgoing-webhook POSTs."""

    url: str
    provider: CountingProvider
    hook: OutgoingWebhook
    engine: Engine
    session: requests.Session

    def post(self, body: bytes, authorization: str | None = None) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        return self.session.post(f"{self.url}/teams/outgoing", data=body, headers=headers,
                                 timeout=10)  # fmt: skip

    def mention(self, text: str, secret: str = SECRET) -> requests.Response:
        """``@Flexcalc <text>`` in a channel, signed with ``secret``."""
        body = json.dumps(activity(f"<at>Flexcalc</at>&nbsp;{text}\n")).encode()
        return self.post(body, sign(body, secret))


@pytest.fixture
def make_teams_app(
    engine: Engine, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., TeamsSide]]:
    """Start the real web app (Slack + Teams endpoints) on loopback; charts served by it."""
    monkeypatch.setenv("TEAMS_OUTGOING_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    monkeypatch.delenv("FLEX_REGION", raising=False)
    stops = []

    def make(delay: float = 0.0, budget: float = 4.0, public: bool = True) -> TeamsSide:
        provider = CountingProvider(delay)
        services = Services(engine=engine, provider_factory=lambda: provider)
        config = SlackConfig(
            bot_token=DEFAULT_TOKEN, signing_secret="unused-here", api_url=fake_slack.api_url
        )
        web = create_web_app(create_one_process_app(config, services), services)
        server, url = serve(web)
        stops.append(server.shutdown)
        services.public_base_url = url if public else None
        hook = web.extensions["flexcalc_teams"]
        hook.budget = budget
        return TeamsSide(url, provider, hook, engine, requests.Session())

    yield make
    for stop in stops:
        stop()
