"""When data is published: the Agile price horizon and the carbon forecast horizon."""

from __future__ import annotations

import pandas as pd

from flexcalc.timeslots import LONDON, SLOT, floor_slot, utc

# Octopus publishes tomorrow's Agile prices (23:00-23:00 UK time) between about 16:00 and 20:00.
PUBLISH_HOUR = 16
CARBON_AHEAD = pd.Timedelta(hours=48)


def price_horizon_end(now: pd.Timestamp) -> pd.Timestamp:
    """End (exclusive, UTC) of the prices normally known at ``now``.

    Before 16:00 UK time: 23:00 today; from 16:00: 23:00 tomorrow (UK time).
    """
    here = utc(now).tz_convert(LONDON)
    day = here.normalize().tz_localize(None)
    if here.hour >= PUBLISH_HOUR:
        day += pd.Timedelta(days=1)
    return (day + pd.Timedelta(hours=23)).tz_localize(LONDON).tz_convert("UTC")


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
