"""Publication calendars: how far ahead each kind of tariff's rates are known.

UK wall-clock rules, converted to UTC here and nowhere else:

* day-ahead (Agile import and export): tomorrow's 23:00-23:00 prices appear between about 16:00
  and 20:00 UK time, so before 16:00 rates are known to 23:00 today, from 16:00 to 23:00 tomorrow;
* daily (Tracker): one rate per UK day (00:00-00:00), tomorrow's published with Agile's at about
  16:00 UK time, so known to midnight tonight before 16:00 and to midnight tomorrow after;
* ahead (fixed and time-of-use): the rates are written down in the contract: known a year ahead.
"""

from __future__ import annotations

from datetime import time

import pandas as pd

from flexcalc.timeslots import LONDON, utc

DAY_AHEAD_START = time(23, 0)  # day-ahead price days run 23:00-23:00 UK time
PUBLISH_HOUR = 16  # UK time tomorrow's day-ahead and tracker rates normally appear from
KNOWN_AHEAD = pd.Timedelta(days=366)  # fixed and time-of-use rates: a contract year


def _uk_day(now: pd.Timestamp) -> tuple[pd.Timestamp, bool]:
    """The naive UK calendar day of ``now`` and whether tomorrow's rates are out."""
    here = utc(now).tz_convert(LONDON)
    return here.normalize().tz_localize(None), here.hour >= PUBLISH_HOUR


def _uk_wall(day: pd.Timestamp, hours: int) -> pd.Timestamp:
    return (day + pd.Timedelta(hours=hours)).tz_localize(LONDON).tz_convert("UTC")


def day_ahead_known_until(now: pd.Timestamp) -> pd.Timestamp:
    """23:00 UK today before 16:00 UK time; 23:00 UK tomorrow from 16:00 (UTC, exclusive)."""
    day, published = _uk_day(now)
    if published:
        day += pd.Timedelta(days=1)
    return _uk_wall(day, DAY_AHEAD_START.hour)


def day_ahead_shown_until(now: pd.Timestamp) -> pd.Timestamp:
    """The end of tomorrow's day-ahead price day (23:00 UK tomorrow, UTC): how far ``prices``
    looks, with forecast prices for whatever is not published yet."""
    day, _ = _uk_day(now)
    return _uk_wall(day + pd.Timedelta(days=1), DAY_AHEAD_START.hour)


def daily_known_until(now: pd.Timestamp) -> pd.Timestamp:
    """Midnight UK tonight before 16:00 UK time; midnight tomorrow night from 16:00."""
    day, published = _uk_day(now)
    return _uk_wall(day + pd.Timedelta(days=2 if published else 1), 0)


def ahead_known_until(now: pd.Timestamp) -> pd.Timestamp:
    """Fixed and time-of-use rates: known a contract year ahead of ``now``."""
    return utc(now).floor("30min") + KNOWN_AHEAD


CALENDARS = {
    "dynamic": day_ahead_known_until,
    "tracker": daily_known_until,
    "time_of_use": ahead_known_until,
    "fixed": ahead_known_until,
}
