"""Upstream trouble degrades answers, never breaks them (issue 10): a locked or broken HTTP cache
is a miss, a short history page is asked again, a slow Octopus never switches anything to the
sample, a hung Carbon Intensity API costs one timeout, many questions at once all get answers.
Real clients and cache against the loopback fakes."""

from __future__ import annotations

import concurrent.futures.thread
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import time_machine

from flexcalc.regions import by_letter
from flexcalc.sources.base import DataUnavailable
from flexcalc.sources.http import CACHE_FILE, UpstreamUnreachable, make_session
from flexcalc.sources.live import LiveProvider
from flexcalc.sources.providers import FallbackProvider
from flexcalc.sources.sample import SampleProvider, sample_carbon
from tests.fakes import FakeCarbonIntensity, FakeOctopus

LONDON = by_letter("C")
EMPTY_PAGE = {"count": 0, "next": None, "previous": None, "results": []}


def provider(timeout: tuple[float, float] = (1.0, 2.0)) -> FallbackProvider:
    """What ``make_provider()`` builds, with short timeouts and no backoff."""
    live = LiveProvider(session=make_session(backoff=0.0, timeout=timeout))
    return FallbackProvider(live, SampleProvider())


@pytest.mark.slow
def test_a_locked_cache_file_is_a_miss_not_an_apology(
    fake_octopus: FakeOctopus,
    fake_carbon: FakeCarbonIntensity,
    fake_now: pd.Timestamp,
    flex_cache_dir: Path,
) -> None:
    asking = provider()
    # Another process holds the cache's write lock for longer than the question may wait.
    holder = sqlite3.connect(flex_cache_dir / CACHE_FILE, timeout=0, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(7.0, holder.rollback)
    release.start()
    try:
        forecast = asking.forecast(LONDON, fake_now)
        # a process starting now cannot set the cache up: it answers without it
        late = provider().forecast(LONDON, fake_now)
        answered_while_locked = holder.in_transaction  # never waited for the lock's release
    finally:
        release.join()
        holder.close()
    assert forecast.source == "live" and len(forecast.prices) == 59 and len(forecast.carbon) == 96
    assert late.prices.equals(forecast.prices) and late.source == "live"
    assert answered_while_locked
    # Once the lock is gone, answers are cached again: the same question asks no API.
    asked = len(fake_octopus.requests), len(fake_carbon.requests)
    assert provider().forecast(LONDON, fake_now).prices.equals(forecast.prices)
    assert (len(fake_octopus.requests), len(fake_carbon.requests)) > asked  # not saved while locked
    asked = len(fake_octopus.requests), len(fake_carbon.requests)
    provider().forecast(LONDON, fake_now)
    assert (len(fake_octopus.requests), len(fake_carbon.requests)) == asked


def test_a_cache_file_that_is_not_a_database_is_no_cache(
    fake_octopus: FakeOctopus,
    fake_carbon: FakeCarbonIntensity,
    fake_now: pd.Timestamp,
    flex_cache_dir: Path,
) -> None:
    flex_cache_dir.mkdir(parents=True)
    (flex_cache_dir / CACHE_FILE).write_bytes(b"left over by a crashed disk\n" * 200)
    forecast = provider().forecast(LONDON, fake_now)
    assert forecast.source == "live" and len(forecast.prices) == 59 and forecast.mix


def test_an_empty_history_page_is_asked_again_once_octopus_recovers(
    fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity
) -> None:
    start, end = pd.Timestamp("2024-05-01 00:00Z"), pd.Timestamp("2024-05-08 00:00Z")
    asking = provider()
    asking.live.octopus.product_code()  # the product list is not what this is about
    fake_octopus.fail_next(1, status=200, body=EMPTY_PAGE)
    assert asking.price_history(LONDON, start, end).empty
    again = provider().price_history(LONDON, start, end)  # another process, same cache
    assert len(again) == 7 * 48 and again.attrs["coverage"].complete
    # Complete history is kept: a third question is answered from the cache.
    assert provider().price_history(LONDON, start, end).equals(again)
    assert len(fake_octopus.api_requests("standard-unit-rates")) == 2


def test_a_short_carbon_history_answer_is_asked_again(fake_carbon: FakeCarbonIntensity) -> None:
    start, end = pd.Timestamp("2024-05-01 00:00Z"), pd.Timestamp("2024-05-03 00:00Z")
    slot = {"forecast": 150, "actual": 149, "index": "moderate"}
    truncated = {
        "data": [{"from": "2024-05-01T00:00Z", "to": "2024-05-01T00:30Z", "intensity": slot}]
    }
    fake_carbon.fail_next(1, status=200, body=truncated)
    assert len(provider().carbon_history(LONDON, start, end)) == 1
    assert len(provider().carbon_history(LONDON, start, end)) == 2 * 48
    assert len(provider().carbon_history(LONDON, start, end)) == 2 * 48
    assert len(fake_carbon.requests) == 2


def test_a_read_timeout_on_octopus_only_never_switches_to_the_sample(
    fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity, fake_now: pd.Timestamp
) -> None:
    asking = provider(timeout=(1.0, 0.4))
    fake_octopus.hang_next(1.0, count=2)  # the first request and its retry both time out
    start = fake_now - pd.Timedelta(days=3)
    with pytest.raises(DataUnavailable, match="Octopus did not answer in time") as info:
        asking.price_history(LONDON, start, fake_now)
    assert not isinstance(info.value, UpstreamUnreachable)
    assert asking.source == "live"
    time.sleep(0.7)  # the hung handlers finish
    # The next questions are live, prices and carbon, with no sample anywhere.
    forecast = asking.forecast(LONDON, fake_now)
    assert forecast.source == "live" and not forecast.is_sample
    assert len(forecast.prices) == 59 and len(forecast.carbon) == 96
    assert not any("sample" in note for note in forecast.notes)
    assert len(asking.price_history(LONDON, start, fake_now)) == 3 * 48


def test_octopus_timing_out_in_a_forecast_still_answers_carbon_live(
    fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity, fake_now: pd.Timestamp
) -> None:
    asking = provider(timeout=(1.0, 0.4))
    fake_octopus.hang_next(1.0, count=2)
    forecast = asking.forecast(LONDON, fake_now)
    assert forecast.prices.empty and len(forecast.carbon) == 96 and not forecast.is_sample
    assert any(n.startswith("No prices: Octopus did not answer in time") for n in forecast.notes)


def test_no_connection_to_carbon_intensity_replaces_only_carbon_with_sample(
    fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity, fake_now: pd.Timestamp
) -> None:
    fake_carbon.stop()
    asking = provider()
    forecast = asking.forecast(LONDON, fake_now)
    assert forecast.source == "live" and not forecast.is_sample  # prices are live
    assert len(forecast.prices) == 59 and forecast.now == fake_now
    sample = sample_carbon().frame["forecast"]
    assert forecast.carbon.equals(sample.loc[forecast.carbon.index].rename("carbon"))
    note = next(n for n in forecast.notes if "sample" in n)
    assert note.startswith("No connection: Carbon Intensity could not be reached")
    assert "Carbon is offline sample data, not live" in note and "Prices" not in note
    # Carbon stays on the sample for a while (no connect timeouts); prices stay live.
    asked = len(fake_octopus.requests)
    history = asking.carbon_history(LONDON, fake_now - pd.Timedelta(days=1), fake_now)
    assert "Carbon is offline sample data" in history.attrs["note"]
    assert asking.forecast(LONDON, fake_now).prices.equals(forecast.prices)
    assert asking.source == "live" and len(fake_octopus.requests) == asked  # cached, live


@pytest.mark.slow
def test_a_hung_carbon_api_costs_one_timeout_not_the_sum(
    fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity, fake_now: pd.Timestamp
) -> None:
    asking = provider(timeout=(1.0, 1.0))
    fake_octopus.delay_next(0.8, count=2)  # slow but in time: the product list, then the rates
    fake_carbon.hang_next(2.5, count=2)  # the request and its retry each wait for the timeout
    forecast = asking.forecast(LONDON, fake_now)
    assert len(forecast.prices) == 59 and forecast.carbon.empty
    assert any(n.startswith("No carbon forecast: Carbon Intensity did not") for n in forecast.notes)
    # The timeouts were waited out while Octopus was answering, not after it: one after the other
    # would cost 1.6 s of Octopus plus 2 s of Carbon Intensity timeouts.
    assert overlapped(fake_octopus, fake_carbon)


def test_many_questions_at_once_from_several_processes_all_get_answers(
    fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity, fake_now: pd.Timestamp
) -> None:
    processes = [provider() for _ in range(4)]  # each with its own connection to the cache
    letters = "ABCDEFGHJKLMNP"

    def ask(i: int) -> int:
        forecast = processes[i % 4].forecast(by_letter(letters[i % 14]), fake_now)
        assert forecast.source == "live"
        return len(forecast.prices)

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(ask, range(48))) == {59}
    # Both APIs are asked at the same time within a question (a day later, so neither is cached):
    # the Octopus and Carbon Intensity requests overlap when each takes 0.5 s.
    fake_octopus.delay_next(0.5)
    fake_carbon.delay_next(0.5)
    fake_octopus.spans.clear()
    fake_carbon.spans.clear()
    processes[0].forecast(LONDON, fake_now + pd.Timedelta(days=1))
    assert overlapped(fake_octopus, fake_carbon)


def overlapped(first: FakeOctopus, second: FakeCarbonIntensity) -> bool:
    """Whether one request to ``first`` was in flight while one to ``second`` was."""
    return any(a.overlaps(b) for a in first.spans for b in second.spans)


def test_history_falls_back_to_its_cached_copy_with_its_age(
    fake_octopus: FakeOctopus, fake_carbon: FakeCarbonIntensity
) -> None:
    start, end = pd.Timestamp("2024-05-01 00:00Z"), pd.Timestamp("2024-05-03 00:00Z")
    with time_machine.travel(pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=32), tick=True):
        cached = provider().price_history(LONDON, start, end)  # kept 30 days: expired now
        provider().carbon_history(LONDON, start, end)
    fake_octopus.fail_next(20, status=502)
    fake_carbon.fail_next(20, status=503)
    prices = provider().price_history(LONDON, start, end)
    assert prices.equals(cached)
    assert prices.attrs["note"] == "Served from cache, 32 days old: Octopus did not answer"
    carbon = provider().carbon_history(LONDON, start, end)
    assert len(carbon) == 2 * 48
    assert "Served from cache, 32 days old: Carbon Intensity did not answer" in carbon.attrs["note"]


def test_a_forecast_during_interpreter_shutdown_asks_one_api_after_the_other(
    fake_octopus: FakeOctopus,
    fake_carbon: FakeCarbonIntensity,
    fake_now: pd.Timestamp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asking = provider()
    # what a deploy's SIGTERM leaves: "cannot schedule new futures after interpreter shutdown"
    monkeypatch.setattr(concurrent.futures.thread, "_shutdown", True)
    forecast = asking.forecast(LONDON, fake_now)
    assert forecast.source == "live" and len(forecast.prices) == 59 and len(forecast.carbon) == 96
