"""The bundled offline sample: replay rules, publication horizon, notes, history slices."""

from __future__ import annotations

import pandas as pd

from flexcalc.regions import by_letter
from flexcalc.sources.horizon import price_horizon_end
from flexcalc.sources.sample import SAMPLE_INSTANT, SampleProvider
from flexcalc.timeslots import local

PROVIDER = SampleProvider()


def test_outside_sample_replays_fixed_instant_with_negative_prices_tomorrow() -> None:
    forecast = PROVIDER.forecast(by_letter("C"), pd.Timestamp("2026-11-24 10:00Z"))
    assert forecast.is_sample and forecast.now == SAMPLE_INSTANT
    assert local(forecast.now).strftime("%a %d %b %Y %H:%M") == "Sat 08 Jun 2024 17:30"
    # After 16:00 UK time the prices run to 23:00 tomorrow (last slot 22:30 UK time).
    assert local(forecast.prices.index[-1]).strftime("%d %H:%M") == "09 22:30"
    assert forecast.prices.index[0] == SAMPLE_INSTANT
    assert (forecast.prices < 0).any()
    assert len(forecast.carbon) == 96  # 48 h of forecast
    assert forecast.notes[0] == (
        "Offline sample data from Sat 08 Jun 2024 (London prices, GB carbon) — not live"
    )
    assert abs(sum(forecast.mix.values()) - 100) < 1


def test_morning_inside_sample_stops_at_23_today_and_names_other_region() -> None:
    now = pd.Timestamp("2023-06-01 09:10Z")  # 10:10 BST
    forecast = PROVIDER.forecast(by_letter("B"), now)
    assert forecast.now == now
    assert forecast.prices.index[0] == pd.Timestamp("2023-06-01 09:00Z")
    assert forecast.prices.index[-1] + pd.Timedelta(minutes=30) == pd.Timestamp("2023-06-01 22:00Z")
    assert any(
        "region C (London)" in note and "East Midlands (B)" in note for note in forecast.notes
    )


def test_horizon_rule_on_dst_change_day() -> None:
    # 15:59 vs 16:00 UK time on the autumn change day (GMT after 02:00).
    assert price_horizon_end(pd.Timestamp("2023-10-29 15:59Z")) == pd.Timestamp("2023-10-29 23:00Z")
    assert price_horizon_end(pd.Timestamp("2023-10-29 16:00Z")) == pd.Timestamp("2023-10-30 23:00Z")
    # BST evening: 23:00 UK tomorrow is 22:00 UTC.
    assert price_horizon_end(pd.Timestamp("2024-06-08 16:30Z")) == pd.Timestamp("2024-06-09 22:00Z")


def test_end_of_sample_says_data_is_short() -> None:
    forecast = PROVIDER.forecast(by_letter("C"), pd.Timestamp("2024-09-30 20:00Z"))
    assert any("only to" in note for note in forecast.notes)


def test_histories_are_half_open_slices_tagged_as_sample() -> None:
    start, end = pd.Timestamp("2023-01-01 00:00Z"), pd.Timestamp("2023-01-02 00:00Z")
    prices = PROVIDER.price_history(by_letter("C"), start, end)
    carbon = PROVIDER.carbon_history(by_letter("C"), start, end)
    assert len(prices) == 48 and prices.index[-1] < end
    assert list(carbon.columns) == ["forecast", "actual"] and len(carbon) == 48
    assert prices.attrs["source"] == "sample"
    # The sample has no prices Dec 2023 - Apr 2024: an honest empty answer, not filler.
    assert PROVIDER.price_history(
        by_letter("C"), pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-02-01", tz="UTC")
    ).empty


def test_postcode_lookup_uses_bundled_table() -> None:
    assert PROVIDER.lookup_postcode("NG1 1AA") == "B"
    assert PROVIDER.lookup_postcode("not a postcode") is None
