"""Carbon forecast bands: percentiles of past misses, checked against a brute force; by lead
time from a real saved 48 h forecast; greenest-window answers say how sure they are."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexcalc import regions
from flexcalc.commands import Context, run
from flexcalc.forecast.carbon_bands import band, bands_by_hours_ahead
from flexcalc.sources.csv_files import read_carbon
from flexcalc.sources.sample import SampleProvider
from flexcalc.timeslots import utc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@settings(max_examples=40, deadline=None)
@given(
    misses=st.lists(st.integers(-60, 60), min_size=8, max_size=60),
    slots=st.integers(1, 6),
)
def test_band_is_the_10_90_percentiles_of_window_mean_misses(misses, slots):
    index = pd.date_range("2024-01-01", periods=len(misses), freq="30min", tz="UTC")
    forecast = np.full(len(misses), 100.0)
    frame = pd.DataFrame({"forecast": forecast, "actual": forecast + misses}, index=index)
    if len(misses) < slots:
        return
    means = [sum(misses[i : i + slots]) / slots for i in range(len(misses) - slots + 1)]
    got = band(frame, slots)
    assert got.low == pytest.approx(np.percentile(means, 10))
    assert got.high == pytest.approx(np.percentile(means, 90))
    assert got.mae == pytest.approx(np.mean(np.abs(means)))
    assert got.count == len(means)


def test_bands_by_hours_ahead_from_a_saved_48h_forecast():
    payload = json.loads(
        (FIXTURES / "carbonintensity/intensity_2023-03-14T1200Z_fw48h.json").read_text()
    )
    forecast = pd.Series(
        [row["intensity"]["forecast"] for row in payload["data"]],
        index=pd.DatetimeIndex([pd.Timestamp(row["from"]) for row in payload["data"]]),
    ).tz_convert("UTC")
    history = read_carbon(
        FIXTURES / "history/carbon/uk_carbon_intensity_2022-11-25_2023-12-11.csv"
    ).frame
    bands = bands_by_hours_ahead([(utc("2023-03-14 12:00"), forecast)], history["actual"])
    assert [b.what for b in bands] == ["0-6 h ahead", "6-12 h ahead", "12-24 h ahead",
                                       "24-48 h ahead"]  # fmt: skip
    lead = (forecast.index - utc("2023-03-14 12:00")) / pd.Timedelta(hours=1)
    first = forecast[lead < 6]
    misses = history["actual"].reindex(first.index) - first
    assert bands[0].mae == pytest.approx(np.abs(misses.dropna()).mean())


def test_greenest_window_answers_say_how_sure_they_are():
    ctx = Context(SampleProvider(), regions.resolve("C"), now=utc("2024-06-10 09:00"), charts=False)
    reply = run("bestslot 3h within 12h for carbon", ctx)
    field = next(f for f in reply.fields if f.label == "How sure (carbon)")
    green = reply.data["windows"]["Greenest"]["carbon_g_per_kwh"]
    low, high = (float(x) for x in field.value.split("likely ")[1].split(" gCO2")[0].split("–"))
    assert low <= green <= high
    assert reply.data["carbon_band"]["low"] < 0 < reply.data["carbon_band"]["high"]
