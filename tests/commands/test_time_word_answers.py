"""``prices tomorrow`` and ``carbon tomorrow`` (and today, this evening, tomorrow morning ...):
one span of UK wall time, on any day, clock-change days included. Prices are published where
Octopus has them and a labelled forecast for the rest; carbon is the span's part of the 48 h
outlook. Spans and publication are worked out here from the UK clock alone and compared with
the answer."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.blocks import as_dicts, reply_blocks
from bot.teams.cards import problems, reply_card
from flexcalc.commands import Context, run
from flexcalc.regions import by_letter
from flexcalc.sources.sample import SampleProvider, sample_prices

UK = ZoneInfo("Europe/London")
HALF_HOUR = timedelta(minutes=30)
# (days from today, UK hour) at which each span starts and ends
SPANS = {
    "today": ((0, 0), (1, 0)),
    "tomorrow": ((1, 0), (2, 0)),
    "this evening": ((0, 18), (1, 0)),
    "tomorrow morning": ((1, 6), (1, 12)),
}
# Where the sample has every price (none 12 Dec 2023 - 2 Apr 2024: there it replays 8 Jun 2024)
SAMPLED_TIMES = st.one_of(
    st.datetimes(min_value=datetime(2023, 1, 10), max_value=datetime(2023, 12, 9)),
    st.datetimes(min_value=datetime(2024, 4, 12), max_value=datetime(2024, 9, 27)),
)


def uk_minute(when: datetime) -> datetime:
    """``when`` as a UK wall-clock minute (an hour the clock shows twice: asked 2 h later)."""
    now = when.replace(second=0, microsecond=0, tzinfo=UK)
    if now.utcoffset() != now.replace(fold=1).utcoffset():
        now += timedelta(hours=2)
    return now


def questions(command: str) -> st.SearchStrategy[tuple[str, datetime]]:
    """``command`` with one of the time words, asked at a UK minute the sample covers."""
    words = st.sampled_from([f"{command} {w}" for w in SPANS])
    return st.tuples(words, SAMPLED_TIMES.map(uk_minute))


def ask(words: str, now_uk: datetime):
    ctx = Context(provider=SampleProvider(), region=by_letter("C"), now=pd.Timestamp(now_uk))
    return run(words, ctx)


def uk_wall(day: datetime, days: int, hour: int) -> datetime:
    local = datetime(day.year, day.month, day.day, tzinfo=UK) + timedelta(days=days)
    return local.replace(hour=hour)  # wall time on that UK day, whatever its offset


def expected_slots(words: str, now_uk: datetime) -> tuple[list[pd.Timestamp], list[pd.Timestamp]]:
    """Brute force: every UTC half-hour of the span, from the next half-hour on, split into the
    published (before 23:00 UK today, or tomorrow once it is 16:00) and the rest."""
    (d0, h0), (d1, h1) = SPANS[words.split(" ", 1)[1]]
    start, end = uk_wall(now_uk, d0, h0), uk_wall(now_uk, d1, h1)
    published_until = uk_wall(now_uk, 1 if now_uk.hour >= 16 else 0, 23)
    slots, t = [], pd.Timestamp(start).tz_convert("UTC")
    while t < pd.Timestamp(end):
        if t >= pd.Timestamp(now_uk):
            slots.append(t)
        t += HALF_HOUR
    return [t for t in slots if t < published_until], [t for t in slots if t >= published_until]


def shown(reply) -> tuple[list[pd.Timestamp], list[pd.Timestamp]]:
    published = [pd.Timestamp(t) for t in reply.data["prices"]]
    outlook = reply.data["price_forecast"]
    forecast = [pd.Timestamp(t) for t in outlook["slots"]] if outlook else []
    return published, forecast


def test_tomorrow_before_publication_is_all_forecast_and_says_when_prices_come():
    now = datetime(2024, 6, 10, 9, 0, tzinfo=UK)
    reply = ask("prices tomorrow", now)
    published, forecast = shown(reply)
    assert published == [] and forecast == expected_slots("prices tomorrow", now)[1]
    assert len(forecast) == 48
    assert reply.title == "Agile prices tomorrow — London (C)"
    assert "are not published yet (they normally appear from 16:00 UK time" in reply.summary
    assert not {"Now", "Cheapest", "Average"} & {f.label for f in reply.fields}  # none invented
    assert reply.table.rows and all(row[0].endswith("(forecast)") for row in reply.table.rows)
    assert "prices.csv" not in reply.csv and "price_forecast.csv" in reply.csv
    assert not reply.is_error


def test_an_all_forecast_answer_is_marked_in_slack_blocks_and_teams_cards():
    reply = ask("prices tomorrow", datetime(2024, 6, 10, 9, 0, tzinfo=UK))
    card = reply_card(reply)
    assert problems(card) == []
    for shown_as in (json.dumps(as_dicts(reply_blocks(reply))), json.dumps(card), reply.to_text()):
        assert "not published yet" in shown_as and "Forecast (not published)" in shown_as
        assert shown_as.count("(forecast)") >= len(reply.table.rows)


@pytest.mark.parametrize(
    ("day", "half_hours"),
    [("2023-03-25", 46), ("2023-10-28", 50)],  # tomorrow is a clock-change day
)
def test_tomorrow_is_the_uk_calendar_day_on_clock_change_days(day, half_hours):
    now = datetime.fromisoformat(f"{day} 09:00").replace(tzinfo=UK)
    published, forecast = shown(ask("prices tomorrow", now))
    assert published == [] and len(forecast) == half_hours
    assert forecast == expected_slots("prices tomorrow", now)[1]
    assert forecast[0].tz_convert(UK).strftime("%H:%M") == "00:00"


def test_tomorrow_after_publication_is_published_to_23_00_then_forecast_to_midnight():
    now = datetime(2024, 6, 10, 17, 0, tzinfo=UK)
    reply = ask("prices tomorrow", now)
    published, forecast = shown(reply)
    assert (published, forecast) == expected_slots("prices tomorrow", now)
    assert len(published) == 46 and len(forecast) == 2
    truth = sample_prices().prices.loc[published]
    fields = {f.label: f.value for f in reply.fields}
    assert fields["Cheapest"].startswith(f"{truth.min():.2f} p/kWh")
    assert fields["Average"] == f"{truth.mean():.2f} p/kWh"
    assert "Now" not in fields  # tomorrow has not started


def test_a_span_that_is_over_says_so_and_offers_others():
    assert not ask("prices this evening", datetime(2024, 6, 10, 23, 29, tzinfo=UK)).is_error
    for words, at in [("prices this morning", (15, 0)), ("prices this evening", (23, 31))]:
        gone = ask(words, datetime(2024, 6, 10, *at, tzinfo=UK))  # no half-hour of it is left
        assert gone.is_error and f"{words.removeprefix('prices ').capitalize()} is over" in (
            gone.summary
        )
        assert "Try: prices tomorrow" in gone.to_text()
    gone = ask("bestslot 2h this morning", datetime(2024, 6, 10, 15, 0, tzinfo=UK))  # the twin
    assert gone.is_error and "This morning is over: it is Mon 10 Jun 15:00 now." in gone.summary
    assert "Try: bestslot 2h tonight" in gone.to_text()


@pytest.mark.parametrize(
    "words", ["prices tomorrow in NG1", "prices in NG1 tomorrow", "prices tomorrow NG1"]
)
def test_the_time_word_and_the_region_go_in_either_order(words):
    reply = ask(words, datetime(2024, 6, 10, 17, 0, tzinfo=UK))
    assert reply.title == "Agile prices tomorrow — East Midlands (B)", reply.summary


@pytest.mark.parametrize("words", ["prices tomorrow tonight", "prices yesterday", "prices 4h"])
def test_a_second_or_unknown_time_word_gets_a_friendly_message(words):
    reply = ask(words, datetime(2024, 6, 10, 17, 0, tzinfo=UK))
    assert reply.is_error and "Traceback" not in reply.to_text()
    assert "Try: prices tomorrow" in reply.to_text()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=questions("prices"))
def test_every_span_shows_exactly_its_published_and_forecast_half_hours(question):
    words, now = question
    reply = ask(words, now)
    want_published, want_forecast = expected_slots(words, now)
    if not want_published and not want_forecast:
        assert reply.is_error  # the span is over
        return
    published, forecast = shown(reply)
    assert published == want_published
    assert forecast in (want_forecast, [])  # empty only if the model had too little history
    if published:
        truth = sample_prices().prices.loc[published]
        average = next(f.value for f in reply.fields if f.label == "Average")
        assert average == f"{truth.mean():.2f} p/kWh"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=questions("carbon"))
def test_carbon_in_a_span_is_that_part_of_the_outlook_with_its_lowest_and_highest(question):
    words, now = question
    reply = ask(words, now)
    span = [t for part in expected_slots(words, now) for t in part]
    outlook = ask("carbon", now).data["forecast"]  # the whole 48 h outlook
    want = {t.isoformat(): outlook[t.isoformat()] for t in span if t.isoformat() in outlook}
    if not span:
        assert reply.is_error and "is over" in reply.summary
        return
    if not want:
        assert reply.is_error and "No carbon forecast" in reply.summary
        return
    assert reply.data["forecast"] == want
    fields = {f.label: f.value for f in reply.fields}
    assert fields["Lowest"].startswith(f"{min(want.values()):.0f} gCO2/kWh")
    assert fields["Highest"].startswith(f"{max(want.values()):.0f} gCO2/kWh")
    assert fields["Now"] == ask("carbon", now).fields[0].value  # now is now, whatever the span


def test_carbon_past_the_48_hour_outlook_says_how_far_it_reaches():
    reply = ask("carbon tomorrow evening", datetime(2024, 6, 10, 1, 0, tzinfo=UK))
    assert not reply.is_error and reply.title == "Carbon intensity tomorrow evening — London (C)"
    far = ask("carbon tomorrow", datetime(2024, 6, 10, 0, 0, tzinfo=UK))
    assert not far.is_error  # tomorrow starts 24 h ahead: well inside 48 h
