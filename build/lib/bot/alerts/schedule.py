"""When an alert is due, in Europe/London wall-clock time (DST-safe, misfire-bounded).

A daily alert for local date D at HH:MM is due from that instant (a time skipped by the spring
change moves forward, a repeated autumn time uses its first occurrence) until ``grace`` later.
Only today's and yesterday's dates are ever considered, so a clock that was down for days never
floods old alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd

from flexcalc.timeslots import LONDON

TOMORROW_POLL = (time(15, 30), time(23, 0))  # when to look for tomorrow's published prices


@dataclass(frozen=True)
class Due:
    local_date: date
    scheduled: pd.Timestamp  # UTC


def local_instant(day: date, at: time) -> pd.Timestamp:
    """The UTC instant the UK clock shows ``at`` on ``day``."""
    naive = pd.Timestamp(datetime.combine(day, at))
    return naive.tz_localize(LONDON, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def daily_due(at: time, now: pd.Timestamp, grace: timedelta) -> Due | None:
    """The daily occurrence due at ``now`` (UTC), if any."""
    today = now.tz_convert(LONDON).date()
    for day in (today, today - timedelta(days=1)):
        scheduled = local_instant(day, at)
        if scheduled <= now < scheduled + pd.Timedelta(grace):
            return Due(day, scheduled)
    return None


def tomorrow_polling(now: pd.Timestamp) -> date | None:
    """Tomorrow's local date while it is time to poll for tomorrow's prices, else None."""
    here = now.tz_convert(LONDON)
    start, end = TOMORROW_POLL
    if start <= here.time() < end:
        return here.date() + timedelta(days=1)
    return None
