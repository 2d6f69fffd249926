"""Natural time words ("tonight", "tomorrow morning", "overnight") as spans of UK wall time.

Each word names a span of the UK clock relative to today; ``named_span`` turns one into UTC
instants for a given ``now`` through ``flexcalc.timeslots.wall_time_utc`` (so clock-change
nights get 46 or 50 half-hours, never a shifted hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

import pandas as pd

from flexcalc.timeslots import ceil_slot, local, wall_time_utc


@dataclass(frozen=True)
class NamedSpan:
    """From ``start`` on day ``start_day`` to ``end`` on day ``end_day`` (0 = today, UK)."""

    start_day: int
    start: time
    end_day: int
    end: time
    night: bool = False  # before ``end`` in the small hours, "tonight" is the night under way


MIDNIGHT = time(0, 0)
SPANS: dict[str, NamedSpan] = {
    "today": NamedSpan(0, MIDNIGHT, 1, MIDNIGHT),
    "this morning": NamedSpan(0, time(6, 0), 0, time(12, 0)),
    "this afternoon": NamedSpan(0, time(12, 0), 0, time(18, 0)),
    "this evening": NamedSpan(0, time(18, 0), 1, MIDNIGHT),
    "tonight": NamedSpan(0, time(18, 0), 1, time(7, 0), night=True),
    "overnight": NamedSpan(0, time(22, 0), 1, time(7, 0), night=True),
    "tomorrow": NamedSpan(1, MIDNIGHT, 2, MIDNIGHT),
    "tomorrow morning": NamedSpan(1, time(6, 0), 1, time(12, 0)),
    "tomorrow afternoon": NamedSpan(1, time(12, 0), 1, time(18, 0)),
    "tomorrow evening": NamedSpan(1, time(18, 0), 2, MIDNIGHT),
}
FIRST_WORDS = {name.split()[0] for name in SPANS}


def read_span_words(words: list[str]) -> tuple[str, int] | None:
    """The longest span name at the start of ``words`` (lower case) and how many words it used."""
    for n in (2, 1):
        name = " ".join(w.lower() for w in words[:n])
        if len(words) >= n and name in SPANS:
            return name, n
    return None


def named_span(name: str, now: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) UTC of the span ``name`` as asked at ``now``; start is never before the
    start rule's first half-hour (``ceil_slot(now)``). The span may already be over
    (end <= start): callers say so."""
    span = SPANS[name]
    today = local(now).date()
    if span.night and local(now).time() < span.end:
        today -= timedelta(days=1)  # asked at 02:00: "tonight" is the night under way
    start = wall_time_utc(today + timedelta(days=span.start_day), span.start)
    end = wall_time_utc(today + timedelta(days=span.end_day), span.end)
    return max(start, ceil_slot(now)), end
