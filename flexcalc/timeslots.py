"""Half-hour slot conventions: store UTC slot starts, show Europe/London.

Every series in Flexcalc is a ``pandas.Series`` indexed by a sorted, unique, tz-aware UTC
``DatetimeIndex`` of half-hour slot *starts*. A local day has 46, 48 or 50 slots.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

LONDON = ZoneInfo("Europe/London")
SLOT = pd.Timedelta(minutes=30)


def utc(ts: datetime | str | pd.Timestamp) -> pd.Timestamp:
    """A UTC ``Timestamp``; naive input is read as Europe/London wall time."""
    stamp = pd.Timestamp(ts)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(LONDON, ambiguous=True, nonexistent="shift_forward")
    return stamp.tz_convert("UTC")


def floor_slot(ts: pd.Timestamp) -> pd.Timestamp:
    """The start of the half-hour slot containing ``ts`` (UTC)."""
    return utc(ts).floor("30min")


def ceil_slot(ts: pd.Timestamp) -> pd.Timestamp:
    """The first half-hour boundary at or after ``ts`` (UTC): the start rule.

    A window never starts before the moment it is asked for: asked at 14:10, the earliest
    start is 14:30; asked at 14:30:00 exactly, it is 14:30.
    """
    return utc(ts).ceil("30min")


def wall_time_utc(day: date, at: time) -> pd.Timestamp:
    """The UTC instant the UK clock shows ``at`` on ``day``: the one owner of wall time -> UTC.

    A time skipped in spring (01:00-01:59 on the last Sunday of March) moves forward to 02:00
    BST, the first moment the clock shows after it; a time repeated in October is its first
    (BST) occurrence.
    """
    naive = pd.Timestamp(datetime.combine(day, at))
    stamp = naive.tz_localize(LONDON, ambiguous=True, nonexistent="shift_forward")
    return stamp.tz_convert("UTC")


def next_wall_time(after: pd.Timestamp, at: time) -> pd.Timestamp:
    """The first instant (UTC) strictly after ``after`` when the UK clock shows ``at``.

    Counted in calendar days on the UK clock, never in blocks of 24 real hours, so a deadline
    asked on a clock-change night is the next morning's, not a day later.
    """
    today, after = local(after).date(), utc(after)
    for days in range(3):
        naive = pd.Timestamp(datetime.combine(today + timedelta(days=days), at))
        for first in (True, False):  # a time repeated in October shows twice: BST, then GMT
            stamp = naive.tz_localize(LONDON, ambiguous=first, nonexistent="shift_forward")
            if stamp.tz_convert("UTC") > after:
                return stamp.tz_convert("UTC")
    raise AssertionError("unreachable: a wall time recurs within two days")


def local_date(ts: pd.Timestamp) -> date:
    """The UK calendar date of ``ts``."""
    return local(ts).date()


def local(ts: pd.Timestamp) -> pd.Timestamp:
    return utc(ts).tz_convert(LONDON)


def _is_repeated_hour(stamp: pd.Timestamp) -> bool:
    """True inside the hour the clocks repeat in October (01:00-02:00 shows twice)."""
    wall = stamp.tz_localize(None).to_pydatetime().replace(tzinfo=LONDON)
    return wall.replace(fold=0).utcoffset() != wall.replace(fold=1).utcoffset()


def _hm(stamp: pd.Timestamp) -> str:
    """``"14:30"``, or ``"01:30 BST"`` / ``"01:30 GMT"`` where the wall time is ambiguous."""
    text = stamp.strftime("%H:%M")
    return f"{text} {stamp.strftime('%Z')}" if _is_repeated_hour(stamp) else text


def fmt_time(ts: pd.Timestamp) -> str:
    """``"14:30"`` in UK time."""
    return _hm(local(ts))


def fmt_day_time(ts: pd.Timestamp) -> str:
    """``"Tue 24 Nov 14:30"`` in UK time."""
    stamp = local(ts)
    return f"{stamp.strftime('%a %d %b')} {_hm(stamp)}"


def fmt_date_time(ts: pd.Timestamp) -> str:
    """``"Sun 29 Oct 2023 01:30 GMT"`` in UK time (the zone only where the wall time repeats)."""
    stamp = local(ts)
    return f"{stamp.strftime('%a %d %b %Y')} {_hm(stamp)}"


def fmt_span(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """``"Tue 24 Nov 01:00–05:00"``; a span ending at the midnight after its start day ends
    ``24:00`` (``"Tue 24 Nov 00:00–24:00"``); otherwise the end day is shown when it differs."""
    a, b = local(start), local(end)
    if a.date() == b.date():
        return f"{fmt_day_time(a)}–{_hm(b)}"
    if b.strftime("%H:%M") == "00:00" and b.date() - a.date() == timedelta(days=1):
        return f"{fmt_day_time(a)}–24:00"
    return f"{fmt_day_time(a)}–{fmt_day_time(b)}"


def local_day_slots(day: str | datetime) -> pd.DatetimeIndex:
    """The UTC slot starts of one Europe/London calendar day (46, 48 or 50 of them)."""
    start = pd.Timestamp(day).normalize().tz_localize(LONDON)
    end = (pd.Timestamp(day).normalize() + pd.Timedelta(days=1)).tz_localize(LONDON)
    return pd.date_range(
        start.tz_convert("UTC"), end.tz_convert("UTC"), freq="30min", inclusive="left"
    )
