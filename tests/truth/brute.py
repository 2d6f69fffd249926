"""Brute forces for the property tests: plain Python over UTC datetimes and dicts.

No pandas time zones and no numpy windows: the UK clock comes from the published rule (BST from
01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October), so a bug in
``flexcalc.timeslots`` or ``flexcalc.windows`` cannot hide here too.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

HALF = timedelta(minutes=30)


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def bst(instant: datetime) -> bool:
    on = datetime.combine(_last_sunday(instant.year, 3), time(1), tzinfo=UTC)
    off = datetime.combine(_last_sunday(instant.year, 10), time(1), tzinfo=UTC)
    return on <= instant < off


def uk_clock(instant: datetime) -> datetime:
    """Naive UK wall time of a UTC instant."""
    return (instant + (timedelta(hours=1) if bst(instant) else timedelta(0))).replace(tzinfo=None)


def uk_midnight(day: date) -> datetime:
    """The UTC instant the UK day ``day`` starts (midnight is never skipped or repeated)."""
    guess = datetime.combine(day, time(0), tzinfo=UTC)
    return guess - timedelta(hours=1) if bst(guess - timedelta(hours=1)) else guess


def ceil_half_hour(instant: datetime) -> datetime:
    floor = instant.replace(minute=30 * (instant.minute // 30), second=0, microsecond=0)
    return floor if floor == instant else floor + HALF


def next_uk_time(after: datetime, at: time) -> datetime:
    """First UTC minute strictly after ``after`` whose UK clock reads ``at`` (or, when spring
    skips it, the first minute after the skip)."""
    step = timedelta(minutes=1)
    t = after.replace(second=0, microsecond=0) + step
    while True:
        wall, before = uk_clock(t), uk_clock(t - step)
        if wall.time() == at or (wall - before > step and before.time() < at < wall.time()):
            return t
        t += step


def first_wins(rows: list[tuple[datetime, float]]) -> dict[datetime, float]:
    """Slot -> value, the first row of a duplicated slot winning, NaN values left out."""
    out: dict[datetime, float] = {}
    for slot, value in rows:
        if slot not in out:
            out[slot] = value
    return {slot: v for slot, v in out.items() if not math.isnan(v)}


def best_run(
    values: dict[datetime, float],
    k: int,
    allowed=lambda start: True,
    highest: bool = False,
) -> tuple[datetime, float] | None:
    """(start, mean) of the best run of k contiguous known half-hours whose start is allowed;
    ties (within 1e-9) go to the earliest start."""
    best = None
    for start in sorted(values):
        if not allowed(start):
            continue
        run = [start + i * HALF for i in range(k)]
        if not all(t in values for t in run):
            continue
        mean = sum(values[t] for t in run) / k
        if (
            best is None
            or (highest and mean > best[1] + 1e-9)
            or (not highest and mean < best[1] - 1e-9)
        ):
            best = (start, mean)
    return best
