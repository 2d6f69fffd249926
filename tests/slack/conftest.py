"""Fixtures: the real Flexcalc Slack app served over HTTP on loopback, talking to a fake Slack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.config import SlackConfig
from bot.one_process import create_one_process_app
from bot.services import Services
from bot.storage.db import get_engine
from bot.web import create_web_app
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack, serve
from tests.slack.harness import SIGNING_SECRET, SlackClientSide


def offline_provider() -> Any:
    """The provider the app would make with FLEX_OFFLINE=1 (bundled sample data)."""
    try:
        from flexcalc.sources.providers import make_provider
    except ImportError:  # the sources package is still landing
        from flexcalc.sources.sample import SampleProvider

        return SampleProvider()
    return make_provider()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    monkeypatch.delenv("FLEX_REGION", raising=False)


@pytest.fixture
def engine(tmp_path) -> Engine:
    return get_engine(f"sqlite:///{tmp_path}/flexcalc-test.sqlite")


@dataclass
class RunningApp:
    slack: SlackClientSide  # sends what Slack sends
    fake: FakeSlack  # records what the app sent to Slack
    services: Services
    url: str


def start_app(
    fake: FakeSlack,
    services: Services,
    config: SlackConfig,
) -> tuple[RunningApp, Callable[[], None]]:
    bolt = create_one_process_app(config, services)
    web = create_web_app(bolt, services)
    server, url = serve(web)
    running = RunningApp(SlackClientSide(url, fake), fake, services, url)

    def stop() -> None:
        server.shutdown()
        if bolt.job_workers is not None:  # the in-process job threads (bot.jobs.runner)
            bolt.job_workers.stop(wait=5)

    return running, stop


@pytest.fixture
def make_services(engine: Engine, offline: None) -> Callable[..., Services]:
    def make(provider_factory: Callable[[], Any] = offline_provider, **kw: Any) -> Services:
        return Services(engine=engine, provider_factory=provider_factory, **kw)

    return make


@pytest.fixture
def slack_app(fake_slack: FakeSlack, make_services) -> Iterator[RunningApp]:
    """Single-workspace HTTP app (bot token + signing secret), charts uploaded to Slack."""
    config = SlackConfig(
        bot_token=DEFAULT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake_slack.api_url
    )
    running, stop = start_app(fake_slack, make_services(chart_upload_timeout=5), config)
    try:
        yield running
    finally:
        stop()
