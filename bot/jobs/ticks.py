"""The clock's tick as a queued job: the clock enqueues one per tick slot, a worker runs it.

The clock process (``bot.clock``) only holds the lease and enqueues ``flexcalc.alerts_tick``
with its slot (the tick's start, rounded down to the interval). A worker
(``bot.alerts.tick_job``) does the work: it plans what is due, renders, posts and records
through the per-delivery claims of ``bot.alerts.ledger``, then settles and purges. A worker
killed mid-fan-out leaves its job journalled: the reaper queues it again and the rerun posts
only what is missing (see docs/adr/0106).

This module imports no numeric library: it is shared by the clock, which must stay small.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from huey import Huey
from huey.api import TaskWrapper
from huey.constants import EmptyData

TICK_TASK = "flexcalc.alerts_tick"
LAST_SLOT_KEY = "clock:last-tick-slot"  # the newest slot enqueued (one key, never grows)
DEFAULT_MINUTES = 5.0


def configured_minutes() -> float:
    """Minutes between ticks: ``FLEX_CLOCK_MINUTES`` (unset or empty: 5). The clock's schedule
    and the worker's tick settings both read it here."""
    return float(os.environ.get("FLEX_CLOCK_MINUTES", "") or DEFAULT_MINUTES)


def slot_of(now: datetime, interval: timedelta) -> str:
    """The tick slot ``now`` (aware) falls in: its start, rounded down to ``interval``, in UTC."""
    step = max(1, int(interval.total_seconds()))
    start = int(now.timestamp()) // step * step
    return datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tick_id(slot: str) -> str:
    """The queued job's id: the same for the same slot, whoever enqueues it."""
    return f"alerts-tick-{slot}"


def tick_task(huey: Huey, run: Callable[[str], object] | None = None) -> TaskWrapper:
    """Register the tick task on ``huey``. The clock passes no ``run`` (it only enqueues);
    the worker passes the function that runs a tick."""

    def alerts_tick(slot: str) -> object:
        if run is None:
            raise RuntimeError("alert ticks run in a worker: python -m bot worker")
        return run(slot)  # the tick's report (kept by no result store: ``results=False``)

    return huey.task(name=TICK_TASK, retries=0)(alerts_tick)


def enqueue_tick(task: TaskWrapper, slot: str) -> bool:
    """Queue the tick of ``slot`` unless it (or a later one) was queued; False for a repeat.

    Only the lease holder enqueues, so the read-then-write needs no lock; should two ever
    race, the second job posts nothing twice (every alert is claimed before it is posted)."""
    huey: Huey = task.huey
    last = huey.storage.peek_data(LAST_SLOT_KEY)
    if last is not EmptyData and huey.serializer.deserialize(last) >= slot:
        return False
    huey.enqueue(task.s(slot, id=tick_id(slot)))
    huey.put(LAST_SLOT_KEY, slot)
    return True
