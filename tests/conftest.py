"""Shared pytest fixtures.

Upstream fakes (``tests/fakes/upstream.py``)
--------------------------------------------
``fake_octopus`` and ``fake_carbon`` are running loopback HTTP servers that answer like the
Octopus and Carbon Intensity APIs would have answered at ``fake_now`` (default: Sat 08 Jun 2024
17:30 UK time, whose next day has negative prices). Using either fixture also:

- points ``OCTOPUS_API_URL`` / ``CARBON_INTENSITY_API_URL`` at the fake,
- points ``FLEX_CACHE_DIR`` at a fresh temporary directory (no cache leaks between tests),
- clears ``FLEX_OFFLINE`` and ``FLEX_AGILE_PRODUCT``.

So the real code path works unchanged, e.g. an end-to-end test::

    def test_bestslot_end_to_end(fake_octopus, fake_carbon, fake_now):
        provider = make_provider()                      # live provider, talking to the fakes
        forecast = provider.forecast(by_letter("C"), fake_now)
        assert fake_octopus.api_requests("standard-unit-rates")

To ask about another instant, override ``fake_now`` in your module (it must lie between
2022-11-25 and 2024-09-30)::

    @pytest.fixture
    def fake_now():
        return pd.Timestamp("2024-08-24 07:00", tz="UTC")

Failures can be scripted: ``fake_octopus.fail_next(2, status=500)``, ``.malformed_next()``,
``.hang_next(seconds)``, ``.stop()`` (connection refused); ``.requests`` lists what was asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from flexcalc.charts.render_cache import charts as chart_cache
from tests.fakes.upstream import DEFAULT_NOW, FakeCarbonIntensity, FakeOctopus

pytest_plugins = ["tests.fakes.slack_api"]  # fixture fake_slack (the Slack front end's tests)


@pytest.fixture(autouse=True)
def fresh_chart_cache() -> None:
    """Each test starts with no rendered charts kept (a chart counted or captured by one test is
    never a cache hit left by another)."""
    chart_cache.clear()


@pytest.fixture
def every_chart_drawn() -> Iterator[None]:
    """No chart answered from the render cache: for tests of the drawing itself (use with
    ``pytestmark = pytest.mark.usefixtures("every_chart_drawn")``)."""
    with chart_cache.disabled():
        yield


@pytest.fixture
def fake_now() -> pd.Timestamp:
    """The instant the upstream fakes pretend it is (UTC)."""
    return DEFAULT_NOW


@pytest.fixture
def flex_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HTTP cache directory (``FLEX_CACHE_DIR``); live-data env vars cleared."""
    directory = tmp_path / "flex-cache"
    monkeypatch.setenv("FLEX_CACHE_DIR", str(directory))
    monkeypatch.delenv("FLEX_OFFLINE", raising=False)
    monkeypatch.delenv("FLEX_AGILE_PRODUCT", raising=False)
    return directory


@pytest.fixture
def fake_octopus(
    fake_now: pd.Timestamp, flex_cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeOctopus]:
    """A running fake Octopus API; ``OCTOPUS_API_URL`` points at it."""
    with FakeOctopus(fake_now) as fake:
        monkeypatch.setenv("OCTOPUS_API_URL", fake.url)
        yield fake


@pytest.fixture
def fake_carbon(
    fake_now: pd.Timestamp, flex_cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeCarbonIntensity]:
    """A running fake Carbon Intensity API; ``CARBON_INTENSITY_API_URL`` points at it."""
    with FakeCarbonIntensity(fake_now) as fake:
        monkeypatch.setenv("CARBON_INTENSITY_API_URL", fake.url)
        yield fake


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory):
    """A real PostgreSQL server for this test session (pgserver: PostgreSQL in a wheel)."""
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="stop")
    yield server
    server.cleanup()


@pytest.fixture
def postgres_url(postgres_server, request: pytest.FixtureRequest) -> str:
    """The URL of a fresh, empty PostgreSQL database for one test (written postgres://)."""
    import re
    import uuid

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:40] + "_" + uuid.uuid4().hex[:8]
    postgres_server.psql(f'CREATE DATABASE "{name}";')
    uri = postgres_server.get_uri(name)
    return uri.replace("postgresql://", "postgres://", 1)  # Heroku style, as users set it


@pytest.fixture
def postgres_engine(postgres_url: str):
    """An engine on a fresh PostgreSQL database, tables created (``bot.storage.db``)."""
    from bot.storage.db import get_engine

    engine = get_engine(postgres_url)
    assert engine.dialect.name == "postgresql"
    return engine
