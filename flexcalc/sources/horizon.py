"""When data is published: the default price horizon and the carbon forecast horizon.

The price publication calendar is owned by ``flexcalc.tariffs.calendars``; ``price_horizon_end``
is the day-ahead (dynamic tariff) calendar, kept here for callers that have no tariff.
"""

from __future__ import annotations

import pandas as pd

from flexcalc.tariffs.calendars import day_ahead_known_until
from flexcalc.timeslots import SLOT, floor_slot

CARBON_AHEAD = pd.Timedelta(hours=48)


def price_horizon_end(now: pd.Timestamp) -> pd.Timestamp:
    """End (exclusive, UTC) of the day-ahead prices normally known at ``now``.

    Before 16:00 UK time: 23:00 today; from 16:00: 23:00 tomorrow (UK time).
    """
    return day_ahead_known_until(now)


def carbon_horizon_end(now: pd.Timestamp) -> pd.Timestamp:
    """End (exclusive, UTC) of the 48-hour carbon forecast from the slot containing ``now``."""
    return floor_slot(now) + CARBON_AHEAD


def upcoming(series: pd.Series | pd.DataFrame, now: pd.Timestamp, end: pd.Timestamp):
    """Rows from the slot containing ``now`` up to ``end`` (exclusive)."""
    start = floor_slot(now)
    return series.loc[(series.index >= start) & (series.index < end)]


def slots_between(start: pd.Timestamp, end: pd.Timestamp) -> int:
    return max(0, int((end - start) / SLOT))


def complete(index: pd.DatetimeIndex, start: pd.Timestamp, end: pd.Timestamp) -> bool:
    """Whether ``index`` holds every half-hour slot of [start, end) (and nothing else)."""
    inside = index[(index >= start) & (index < end)].unique()
    return len(inside) == len(index) and len(inside) == slots_between(start, end) > 0
