"""Deadlines across both clock-change nights, checked against a brute force written here.

The brute force never uses pandas time zones: it walks the UTC minutes forward and reads the UK
clock from the published rule (BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on
the last Sunday of October), so it cannot share a bug with ``flexcalc.timeslots``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexcalc.commands.answer_forecast import request_span
from flexcalc.commands.grammar import parse
from flexcalc.commands.time_words import SPANS, named_span
from flexcalc.timeslots import ceil_slot, next_wall_time, wall_time_utc

SPRING = date(2023, 3, 26)  # clocks go forward at 01:00 UTC
AUTUMN = date(2023, 10, 29)  # clocks go back at 01:00 UTC


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def uk_clock(instant: datetime) -> datetime:
    """Naive UK wall time of a UTC instant, from the rule itself."""
    year = instant.year
    bst_on = datetime.combine(_last_sunday(year, 3), time(1), tzinfo=UTC)
    bst_off = datetime.combine(_last_sunday(year, 10), time(1), tzinfo=UTC)
    offset = timedelta(hours=1) if bst_on <= instant < bst_off else timedelta(0)
    return (instant + offset).replace(tzinfo=None)


def brute_next(after: datetime, at: time) -> datetime:
    """First UTC minute strictly after ``after`` whose UK clock reads ``at`` (or, when the
    clock skips ``at`` in spring, the first minute after the skip)."""
    step = timedelta(minutes=1)
    t = after.replace(second=0, microsecond=0) + step
    while True:
        wall, before = uk_clock(t), uk_clock(t - step)
        if wall.time() == at:
            return t
        skipped = wall - before > step
        if skipped and before.time() < at < wall.time():
            return t
        t += step


def _minutes_across(day: date) -> list[datetime]:
    start = datetime.combine(day - timedelta(days=1), time(20), tzinfo=UTC)
    return [start + timedelta(minutes=m) for m in range(10 * 60)]


@pytest.mark.slow
@pytest.mark.parametrize("night", [SPRING, AUTUMN], ids=["spring", "autumn"])
@pytest.mark.parametrize("deadline", [time(7, 0), time(1, 30), time(0, 0), time(23, 30)])
def test_every_minute_of_both_change_nights_finds_the_next_deadline(night, deadline):
    expected = None
    for instant in _minutes_across(night):
        if expected is None or expected <= instant:  # else still the first one after instant
            expected = brute_next(instant, deadline)
        got = next_wall_time(pd.Timestamp(instant), deadline).to_pydatetime()
        assert got == expected, instant


@pytest.mark.slow
@pytest.mark.parametrize("night", [SPRING, AUTUMN], ids=["spring", "autumn"])
def test_bestslot_span_by_07_is_the_next_uk_morning_and_starts_no_earlier_than_now(night):
    request = parse("bestslot 2h by 07:00")
    expected = None
    for instant in _minutes_across(night):
        if expected is None or expected <= instant:
            expected = brute_next(instant, time(7, 0))
        start, end, _ = request_span(request, pd.Timestamp(instant))
        assert end.to_pydatetime() == expected
        assert start.to_pydatetime() >= instant  # never a start in the past
        assert start.to_pydatetime() - instant < timedelta(minutes=30)
        assert start.minute in (0, 30) and start.second == 0


@settings(max_examples=300, deadline=None)
@given(
    minute=st.integers(0, 3 * 24 * 60 - 1),
    night=st.sampled_from([SPRING, AUTUMN]),
    name=st.sampled_from(sorted(SPANS)),
)
def test_time_words_cover_the_uk_clock_span_they_name(minute, night, name):
    instant = datetime.combine(night - timedelta(days=1), time(0), tzinfo=UTC)
    instant += timedelta(minutes=minute)
    start, end = (t.to_pydatetime() for t in _named(name, instant))
    span = SPANS[name]
    if end <= start:  # already over: then its end has passed
        assert end <= ceil_slot(pd.Timestamp(instant)).to_pydatetime()
        return
    assert start >= instant
    assert uk_clock(end).time() == span.end  # span ends (00:00, 07:00 ...) are never skipped
    # every half-hour inside lies on the right UK days and times
    t = start
    while t < end:
        wall = uk_clock(t)
        day = wall.date() - uk_clock(instant).date()
        assert timedelta(days=span.start_day - 1) <= day <= timedelta(days=span.end_day)
        t += timedelta(minutes=30)


def _named(name: str, instant: datetime):
    return named_span(name, pd.Timestamp(instant))


def test_a_deadline_skipped_by_the_spring_clock_is_the_first_moment_after_it():
    assert wall_time_utc(SPRING, time(1, 30)) == pd.Timestamp("2023-03-26 01:00", tz="UTC")
    assert wall_time_utc(AUTUMN, time(1, 30)) == pd.Timestamp("2023-10-29 00:30", tz="UTC")
