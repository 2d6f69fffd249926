"""The web process's Slack app on loopback, queueing on a given (durable) Huey: nothing runs
the jobs until a test's worker does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from huey import Huey

from bot.app import create_app
from bot.config import SlackConfig
from bot.services import Services
from bot.storage.db import get_engine
from bot.web import create_web_app
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack, serve
from tests.slack.conftest import RunningApp, offline_provider
from tests.slack.harness import SIGNING_SECRET, SlackClientSide


def offline_services(tmp_path: Path) -> Services:
    """Services on a fresh SQLite database and the bundled data (set FLEX_OFFLINE=1 too)."""
    engine = get_engine(f"sqlite:///{tmp_path}/flexcalc.sqlite")
    return Services(engine=engine, provider_factory=offline_provider)


def single_workspace(fake: FakeSlack) -> SlackConfig:
    return SlackConfig(bot_token=DEFAULT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake.api_url)


def queueing_web(
    fake: FakeSlack, services: Services, config: SlackConfig, huey: Huey
) -> tuple[RunningApp, Callable[[], None]]:
    """(the running web app, stop)."""
    bolt = create_app(config, services, huey=huey)
    assert bolt.job_workers is None  # a durable queue: the web only enqueues
    server, url = serve(create_web_app(bolt, services))
    return RunningApp(SlackClientSide(url, fake), fake, services, url), server.shutdown
