"""Fixtures for the alerts tests: a fake Slack on loopback, a SQLite file, a clock factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pandas as pd
import pytest
import time_machine
from sqlalchemy import Engine

from bot.alerts.fanout import Clock, ClockSettings
from bot.alerts.slack_post import SlackClients
from bot.storage.db import get_engine
from flexcalc.sources.sample import SampleProvider
from tests.alerts.fake_slack_alerts import AlertsFakeSlack
from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN, running

TEAM = DEFAULT_TEAM


@pytest.fixture
def slack() -> Iterator[AlertsFakeSlack]:
    with running(AlertsFakeSlack()) as fake:
        yield fake


@pytest.fixture
def engine(tmp_path) -> Engine:
    return get_engine(f"sqlite:///{tmp_path}/alerts.sqlite")


@pytest.fixture(scope="session")
def provider() -> SampleProvider:
    """The bundled sample (real recorded prices and carbon, replayed as if live)."""
    return SampleProvider()


@pytest.fixture
def make_clock(engine: Engine, slack: AlertsFakeSlack, provider) -> Callable[..., Clock]:
    def make(**kw: Any) -> Clock:
        kw.setdefault("settings", ClockSettings(renew_every=0.0))
        clients = kw.pop(
            "clients", SlackClients(engine, default_token=DEFAULT_TOKEN, base_url=slack.api_url)
        )
        return Clock(engine, kw.pop("provider", provider), clients, **kw)

    return make


def london(text: str) -> datetime:
    """A Europe/London wall time as an aware datetime (first occurrence when ambiguous)."""
    stamp = pd.Timestamp(text).tz_localize("Europe/London", ambiguous=True)
    return stamp.to_pydatetime()


def run_ticks(
    clock: Clock, start: datetime, end: datetime, minutes: int = 5
) -> list[tuple[datetime, Any]]:
    """Tick every ``minutes`` from ``start`` to ``end`` (inclusive) under a travelled clock."""
    reports = []
    moment = start
    with time_machine.travel(start, tick=False) as traveller:
        while moment <= end:
            traveller.move_to(moment)
            reports.append((moment, clock.tick()))
            moment += pd.Timedelta(minutes=minutes)
    return reports
