"""Fixtures: the real app on loopback against a fake Slack that keeps scheduled messages, and a
controllable "now" (``clock.now``) read by the app through ``Services.clock``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import pytest

from bot.config import SlackConfig
from tests.engagement.fake_slack_engagement import EngagementFakeSlack
from tests.fakes.slack_api import DEFAULT_TOKEN, running
from tests.slack.conftest import RunningApp, engine, make_services, offline, start_app  # noqa: F401
from tests.slack.harness import SIGNING_SECRET

# Sat 08 Jun 2024 17:30 UK time: the bundled sample's evening before a day of negative prices.
START = pd.Timestamp("2024-06-08 16:30", tz="UTC")


@dataclass
class Now:
    now: pd.Timestamp = START

    def __call__(self) -> pd.Timestamp:
        return self.now


@pytest.fixture
def clock() -> Now:
    return Now()


@pytest.fixture
def fake() -> Iterator[EngagementFakeSlack]:
    with running(EngagementFakeSlack()) as slack:
        yield slack


@pytest.fixture
def app(fake, make_services, clock) -> Iterator[RunningApp]:  # noqa: F811
    config = SlackConfig(
        bot_token=DEFAULT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake.api_url
    )
    running, stop = start_app(fake, make_services(clock=clock, chart_upload_timeout=5), config)
    try:
        yield running
    finally:
        stop()
