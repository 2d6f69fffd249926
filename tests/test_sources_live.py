"""LiveProvider / make_provider / FileProvider end to end against the fakes (real cache)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import time_machine

from flexcalc.regions import by_letter
from flexcalc.sources.base import DataUnavailable
from flexcalc.sources.http import UpstreamUnreachable, make_session
from flexcalc.sources.live import LiveProvider
from flexcalc.sources.providers import FallbackProvider, FileProvider, make_provider
from flexcalc.sources.sample import SAMPLE_INSTANT, SampleProvider
from tests.fakes import FakeCarbonIntensity, FakeOctopus

FIXTURES = Path(__file__).parent / "fixtures"
LONDON = by_letter("C")


@pytest.fixture
def live(fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity) -> LiveProvider:
    """A LiveProvider on the fakes (URLs and cache dir from the env the fixtures set)."""
    return LiveProvider(session=make_session(backoff=0.0, timeout=(1.0, 2.0)))


def test_forecast_after_16h_has_tomorrow_and_regional_carbon(
    live: LiveProvider, fake_now: pd.Timestamp, fake_carbon: FakeCarbonIntensity
) -> None:
    forecast = live.forecast(LONDON, fake_now)
    assert forecast.source == "live" and not forecast.is_sample
    assert forecast.prices.index[0] == pd.Timestamp("2024-06-08 16:30Z")
    assert forecast.prices.index[-1] == pd.Timestamp("2024-06-09 21:30Z")  # 22:30 UK time
    assert (forecast.prices < 0).sum() == 6  # Sunday's negative prices
    assert len(forecast.carbon) == 96
    assert forecast.mix and forecast.fetched_at is not None
    assert forecast.notes == ["Prices to Sun 09 Jun 23:00"]
    assert "regionid/13" in fake_carbon.requests[0]


@pytest.fixture
def morning(fake_now: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp("2024-06-08 09:00Z")  # 10:00 UK time


def test_forecast_in_the_morning_says_when_tomorrow_appears(
    fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity, morning: pd.Timestamp
) -> None:
    fake_octopus.now = fake_carbon.now = morning
    forecast = make_provider().forecast(LONDON, morning)
    assert forecast.prices.index[-1] == pd.Timestamp("2024-06-08 21:30Z")
    assert forecast.notes[0] == "Prices to Sat 08 Jun 23:00; tomorrow's usually appear 16:00–20:00"


def test_second_identical_question_makes_no_http_request(
    live: LiveProvider,
    fake_octopus: FakeOctopus,
    fake_carbon: FakeCarbonIntensity,
    fake_now: pd.Timestamp,
) -> None:
    first = live.forecast(LONDON, fake_now)
    asked = len(fake_octopus.requests), len(fake_carbon.requests)
    again = LiveProvider(session=make_session()).forecast(LONDON, fake_now)  # same cache file
    assert (len(fake_octopus.requests), len(fake_carbon.requests)) == asked
    assert again.prices.equals(first.prices) and again.source == "live"


def test_stale_cache_is_served_with_its_age_when_upstream_fails(
    live: LiveProvider,
    fake_octopus: FakeOctopus,
    fake_carbon: FakeCarbonIntensity,
    fake_now: pd.Timestamp,
) -> None:
    with time_machine.travel(pd.Timestamp.now(tz="UTC") - pd.Timedelta(hours=2), tick=True):
        cached = live.forecast(LONDON, fake_now)
    fake_octopus.fail_next(20, status=502)
    fake_carbon.stop()
    forecast = live.forecast(LONDON, fake_now)
    assert forecast.source == "cache"
    assert forecast.prices.equals(cached.prices)
    assert "Served from cache, 2 h old: Octopus did not answer" in forecast.notes
    assert "Served from cache, 2 h old: Carbon Intensity did not answer" in forecast.notes
    assert pd.Timestamp.now(tz="UTC") - forecast.fetched_at > pd.Timedelta(hours=1, minutes=55)


def test_earlier_cached_forecast_stands_in_half_an_hour_later(
    live: LiveProvider, fake_carbon: FakeCarbonIntensity, fake_now: pd.Timestamp
) -> None:
    live.forecast(LONDON, fake_now)
    fake_carbon.stop()
    later = fake_now + pd.Timedelta(minutes=30)
    forecast = live.forecast(LONDON, later)
    assert forecast.source == "cache"
    assert forecast.carbon.index[0] == later  # the old forecast, trimmed to what is still ahead
    assert any(n.startswith("Served from cache") for n in forecast.notes)


def test_one_api_failing_still_answers_with_the_other(
    live: LiveProvider, fake_carbon: FakeCarbonIntensity, fake_now: pd.Timestamp
) -> None:
    fake_carbon.fail_next(20, status=500)
    forecast = live.forecast(LONDON, fake_now)
    assert len(forecast.prices) == 59 and forecast.carbon.empty
    assert any(
        n.startswith("No carbon forecast: Carbon Intensity kept answering") for n in forecast.notes
    )


def test_total_failure_without_cache_is_an_honest_data_unavailable(
    live: LiveProvider,
    fake_octopus: FakeOctopus,
    fake_carbon: FakeCarbonIntensity,
    fake_now: pd.Timestamp,
) -> None:
    fake_octopus.fail_next(20, status=500)
    fake_carbon.fail_next(20, status=500)
    with pytest.raises(DataUnavailable, match="Octopus kept answering with errors") as info:
        live.forecast(LONDON, fake_now)
    assert "Carbon Intensity" in str(info.value)
    assert not isinstance(info.value, UpstreamUnreachable)


def test_make_provider_falls_back_to_sample_when_network_is_down(
    fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity
) -> None:
    fake_octopus.stop()
    fake_carbon.stop()
    provider = make_provider()
    asked = pd.Timestamp("2026-11-24 10:00Z")
    forecast = provider.forecast(LONDON, asked)
    assert forecast.is_sample and forecast.now == SAMPLE_INSTANT
    assert forecast.notes[0].startswith("Offline sample data from Sat 08 Jun 2024")
    assert any(n.startswith("No connection to the live APIs") for n in forecast.notes)
    # Later questions go straight to the sample, still marked as such.
    history = provider.price_history(LONDON, SAMPLE_INSTANT - pd.Timedelta(days=1), SAMPLE_INSTANT)
    assert len(history) == 48 and "No connection" in history.attrs["note"]


def test_make_provider_does_not_hide_api_errors_behind_sample(
    fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity, fake_now: pd.Timestamp
) -> None:
    fake_octopus.fail_next(20, status=500)
    fake_carbon.fail_next(20, status=500)
    provider = make_provider()
    assert isinstance(provider, FallbackProvider)
    provider.live = LiveProvider(session=make_session(backoff=0.0))
    with pytest.raises(DataUnavailable):
        provider.forecast(LONDON, fake_now)


def test_offline_env_uses_sample_without_network(
    fake_octopus: FakeOctopus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    provider = make_provider()
    assert isinstance(provider, SampleProvider)
    assert provider.forecast(by_letter("B"), SAMPLE_INSTANT).is_sample
    assert fake_octopus.requests == []


def test_live_histories_and_postcode(
    live: LiveProvider, fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity
) -> None:
    start, end = pd.Timestamp("2024-05-01 00:00Z"), pd.Timestamp("2024-06-01 00:00Z")
    prices = live.price_history(LONDON, start, end)
    carbon = live.carbon_history(LONDON, start, end)
    assert len(prices) == 31 * 48 and len(carbon) == 31 * 48
    assert list(carbon.columns) == ["forecast", "actual"]
    assert len(fake_carbon.requests) == 2  # 31 days -> two chunks
    assert live.lookup_postcode("EC1A 1BB") == "C"
    fake_octopus.stop()
    assert live.lookup_postcode("AB1 2CD") is None


def test_price_history_spans_agile_relaunches(live: LiveProvider) -> None:
    start, end = pd.Timestamp("2023-11-01 00:00Z"), pd.Timestamp("2024-05-01 00:00Z")
    prices = live.price_history(LONDON, start, end)
    assert prices.attrs["products"] == ["AGILE-24-04-03", "AGILE-FLEX-22-11-25"]
    assert prices.index[0] == start and prices.index[-1] == end - pd.Timedelta(minutes=30)
    # No product (nor the sample behind the fake) has Dec 2023 - Apr 2024: reported, not filled.
    assert prices.attrs["coverage"].gaps[0].start == pd.Timestamp("2023-12-12 00:00Z")
    assert "missing" in prices.attrs["note"]


def test_cache_file_lives_in_flex_cache_dir(live: LiveProvider, flex_cache_dir: Path) -> None:
    live.lookup_postcode("SW1A 1AA")
    assert (flex_cache_dir / "http_cache.sqlite").exists()


def test_user_agent_is_sent(live: LiveProvider, fake_octopus: FakeOctopus) -> None:
    live.lookup_postcode("SW1A 1AA")
    request, _ = fake_octopus.server.log[-1]
    assert request.headers["User-Agent"].startswith("flexcalc/")


def test_file_provider_forecast_and_coverage_notes() -> None:
    provider = FileProvider(
        FIXTURES / "csv/agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv",
        FIXTURES / "csv/carbon_intensity_example_out.csv",
    )
    now = pd.Timestamp("2024-06-11 15:10Z")  # 16:10 UK time: tomorrow's prices known
    forecast = provider.forecast(by_letter("B"), now)
    assert forecast.source == "file"
    assert forecast.prices.index[0] == pd.Timestamp("2024-06-11 15:00Z")
    assert forecast.prices.index[-1] == pd.Timestamp("2024-06-12 21:30Z")
    notes = " | ".join(forecast.notes)
    assert "2 duplicate row(s) dropped" in notes
    assert "22 slot(s) missing" in notes  # the 12 June outage inside the next 48 h
    with pytest.raises(DataUnavailable, match="no data from"):
        provider.forecast(LONDON, pd.Timestamp("2025-01-01 12:00Z"))


def test_file_provider_rejects_unreadable_files_early(tmp_path: Path) -> None:
    bad = tmp_path / "prices.csv"
    bad.write_text("hello,world\n1,2\n")
    with pytest.raises(ValueError, match="unrecognised prices file"):
        FileProvider(bad)
