"""The daily alert's content (pure flexcalc.daily) on recorded data, including clock-change days."""

from __future__ import annotations

import pandas as pd
import pytest

from flexcalc import daily
from flexcalc.regions import by_letter
from flexcalc.sources.base import Forecast
from flexcalc.timeslots import LONDON, SLOT


def _at(provider, text: str, letter: str = "C") -> Forecast:
    moment = pd.Timestamp(text).tz_localize(LONDON, ambiguous=True).tz_convert("UTC")
    return provider.forecast(by_letter(letter), moment)


def test_daily_alert_has_windows_avoid_periods_mix_chart_and_tip(provider):
    forecast = _at(provider, "2024-06-05 08:00")
    reply = daily.daily_alert(forecast)
    assert reply.title == "Today's greener times — Wed 05 Jun, London (C)"
    labels = [f.label for f in reply.fields]
    assert labels == [
        "Best 1 h",
        "Best 2 h",
        "Best 4 h",
        "Dirtiest (avoid)",
        "Dearest (avoid)",
        "Generation mix now",
    ]
    assert [row[0] for row in reply.table.rows] == ["Best 1 h", "Best 2 h", "Best 4 h"]
    assert "*Tip:*" in reply.summary and "*Avoid:*" in reply.summary
    assert reply.chart_png.startswith(b"\x89PNG")
    assert any("not live" in n for n in reply.notes)  # sample data is labelled as such
    # the windows really are the best of the next 24 h on the balanced objective
    frame = daily.alert_frame(forecast)
    best4 = reply.data["windows"]["4 h"]
    start = pd.Timestamp(best4["start"])
    assert frame.loc[start : start + 7 * SLOT, "price"].mean() == pytest.approx(
        best4["price_p_per_kwh"]
    )
    assert reply.data["dearest"]["price_p_per_kwh"] >= frame["price"].rolling(4).mean().max() - 1e-9


def test_subscribed_length_replaces_the_standard_ones(provider):
    reply = daily.daily_alert(
        _at(provider, "2024-06-05 08:00"), [pd.Timedelta(hours=3)], charts=False
    )
    assert [r[0] for r in reply.table.rows] == ["Best 3 h"]
    assert reply.chart_png is None
    assert reply.data["best"] == reply.data["windows"]["3 h"]


@pytest.mark.parametrize(("day", "slots"), [("2023-03-25", 46), ("2023-10-28", 50)])
def test_tomorrow_span_is_the_agile_day_across_clock_changes(provider, day, slots):
    forecast = _at(provider, f"{day} 17:00")  # the sample publishes tomorrow's at 16:00
    assert daily.tomorrow_prices_published(forecast)
    frame = daily.alert_frame(forecast, tomorrow=True)
    assert len(frame) == slots and frame["price"].notna().all()
    reply = daily.daily_alert(forecast, tomorrow=True, charts=False)
    assert reply.title.startswith("Tomorrow's greener times — Sun")
    assert reply.table.columns[-1] == "vs starting 17:00 (alert time)"  # tomorrow, 17:00


def test_tomorrow_not_published_before_16_00(provider):
    assert not daily.tomorrow_prices_published(_at(provider, "2024-06-05 15:30"))


def test_threshold_events_merge_close_runs_and_report_the_extreme(provider):
    forecast = _at(provider, "2024-06-08 16:00")
    events = daily.threshold_events(forecast, "price", "below", 0)
    spans = [
        (
            e.start.tz_convert(LONDON).strftime("%a %H:%M"),
            e.end.tz_convert(LONDON).strftime("%H:%M"),
            e.slots,
        )
        for e in events
    ]
    assert spans == [("Sun 08:00", "11:30", 5), ("Sun 14:00", "14:30", 1)]
    assert events[0].extreme == pytest.approx(forecast.prices.min())
    separate = daily.threshold_events(forecast, "price", "below", 0, merge_gap=SLOT)
    assert len(separate) == 4


def test_mix_text_and_tips():
    text = daily.mix_text({"gas": 30.0, "wind": 40.0, "nuclear": 15.0, "solar": 5.0, "coal": 0.0})
    assert text == "wind 40% · gas 30% · nuclear 15% · solar 5% (low-carbon 60%)"
    assert daily.mix_text({}) == "not available"


def test_tip_names_the_day_when_negative_prices_come_tomorrow(provider):
    reply = daily.daily_alert(_at(provider, "2024-06-08 17:30"), charts=False)
    assert "Prices go below zero from Sun 09 Jun 08:00" in reply.data["tip"]
