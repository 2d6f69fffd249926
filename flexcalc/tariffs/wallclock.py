"""UK wall-clock rules on UTC half-hour slots (bands, night registers, daily patterns).

Slots are matched by the time the UK clock shows at their start, so a band 16:00-19:00 covers
six slots every day, clock-change days included (in UTC it moves by an hour with the clocks).
"""

from __future__ import annotations

from datetime import time

import numpy as np
import pandas as pd

from flexcalc.timeslots import LONDON

WEEKDAYS = frozenset(range(5))
WEEKENDS = frozenset((5, 6))
EVERY_DAY = frozenset(range(7))


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def wall_minutes(slots: pd.DatetimeIndex) -> np.ndarray:
    here = slots.tz_convert(LONDON)
    return np.asarray(here.hour * 60 + here.minute)


def in_wall_span(
    slots: pd.DatetimeIndex, start: time, end: time, days: frozenset[int] = EVERY_DAY
) -> np.ndarray:
    """True for slots whose UK start time is in [start, end) (wrapping midnight when end <= start)
    on one of ``days`` (0 = Monday; for a wrapping span, the day the span starts)."""
    minutes = wall_minutes(slots)
    a, b = _minutes(start), _minutes(end)
    here = slots.tz_convert(LONDON)
    weekday = np.asarray(here.day_of_week)
    if a < b:
        inside = (minutes >= a) & (minutes < b)
        return inside & np.isin(weekday, list(days))
    late = minutes >= a  # before midnight: the span started today
    early = minutes < b  # after midnight: it started yesterday
    started = np.where(late, weekday, (weekday - 1) % 7)
    return (late | early) & np.isin(started, list(days))


def fill_by_wall_clock(rates: pd.Series) -> pd.Series:
    """Slots after the last known rate take the rate the last known UK day had at the same wall
    time (a time-of-use pattern repeated); other gaps stay NaN."""
    known = rates.dropna()
    if known.empty or len(known) == len(rates):
        return rates
    last = known.index[-1]
    recent = known.loc[known.index > last - pd.Timedelta(days=1)]
    pattern = pd.Series(recent.to_numpy(), index=wall_minutes(recent.index))
    pattern = pattern[~pattern.index.duplicated(keep="last")]
    later = rates.index > last
    filled = rates.copy()
    values = pattern.reindex(wall_minutes(rates.index[later])).to_numpy()
    filled.loc[later] = values
    return filled
