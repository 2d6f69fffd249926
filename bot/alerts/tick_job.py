"""The alerts tick in a worker: the job the clock queues every few minutes, and ``--once``.

``register(huey, engine)`` (called by ``bot.worker``) gives the worker the tick task: one
``Clock`` per worker process (its per-region analyses and charts reused from tick to tick)
plans what is due, claims, posts and records each alert, then settles and purges. A worker
killed mid-fan-out is replaced by the reaper, which queues the job again; the rerun takes
over the dead worker's pending claims at once (after asking the channel whether the post went
out) and posts nothing twice. ``run_once`` is ``flexcalc-bot clock --once``: one tick inline,
for cron without a worker, and tests.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from datetime import timedelta

from huey import Huey
from huey.api import TaskWrapper
from sqlalchemy import Engine

from bot.alerts import ledger
from bot.alerts.fanout import Clock, ClockSettings, TickReport
from bot.alerts.slack_post import SlackClients
from bot.jobs.runner import dead_after, last_beat, worker_id
from bot.jobs.ticks import configured_minutes, tick_task
from bot.observability import metrics
from bot.storage import heartbeat
from bot.storage.db import get_engine
from flexcalc.sources.providers import make_provider

# The Teams bot registers itself as the sender of alerts to bot conversations (optional SDK).
with contextlib.suppress(ImportError):
    import bot.teams.agent  # noqa: F401

log = logging.getLogger(__name__)

WORKER_HOLDER = "worker:"  # claims made by a worker process: "worker:<host>:<pid>"


def build_clock(
    minutes: float = 5.0, engine: Engine | None = None, holder: str | None = None
) -> Clock:
    """A Clock wired from the environment (DATABASE_URL, SLACK_*, PUBLIC_BASE_URL)."""
    engine = engine if engine is not None else get_engine()
    interval = timedelta(minutes=minutes)
    settings = ClockSettings(
        interval=interval, stale_after=max(timedelta(minutes=10), interval * 2)
    )
    return Clock(
        engine,
        make_provider(),
        SlackClients.from_env(engine),
        settings=settings,
        holder=holder,
        public_base_url=os.environ.get("PUBLIC_BASE_URL") or None,
    )


def count(report: TickReport) -> TickReport:
    """Add one tick's outcomes to the process's metrics."""
    metrics.ALERTS.labels(outcome="posted").inc(report.posted)
    metrics.ALERTS.labels(outcome="failed").inc(report.retry_later)
    metrics.ALERTS.labels(outcome="gave_up").inc(report.gave_up)
    return report


def run_tick(clock: Clock) -> TickReport:
    """One inline tick: the heartbeat (``alerts subscribe`` and /readyz read it), the alerts."""
    heartbeat.beat(clock.engine, clock.holder)
    return count(clock.tick())


def run_once(minutes: float) -> int:
    """``flexcalc-bot clock --once``: one tick in this process (no worker needed), then exit."""
    clock = build_clock(minutes)
    try:
        report = run_tick(clock)
    finally:
        clock.release()  # the next cron run (another process) may act at once
    print(f"alerts clock: {report.summary()}")
    for error in report.errors:
        print(f"  ! {error}")
    return 0


def dead_workers(huey: Huey, holders: set[str], now: float | None = None) -> frozenset[str]:
    """The worker holders whose process stopped beating (killed, machine lost)."""
    now = time.time() if now is None else now
    dead = set()
    for holder in holders:
        if not holder.startswith(WORKER_HOLDER):
            continue  # an inline clock's claim: ``stale_after`` decides
        beat = last_beat(huey, holder.removeprefix(WORKER_HOLDER))
        if beat is None or now - beat > dead_after():
            dead.add(holder)
    return frozenset(dead)


class TickRunner:
    """Runs the queued ticks in one worker process, one at a time (claims guard the rest)."""

    def __init__(self, huey: Huey, engine: Engine, clock: Clock | None = None) -> None:
        self.huey, self.engine = huey, engine
        self._clock = clock
        self._pid = os.getpid() if clock is not None else None
        self._lock = threading.Lock()

    def clock(self) -> Clock:
        """This process's Clock (a forked worker builds its own, with its own holder)."""
        if self._clock is None or self._pid != os.getpid():
            self._clock = build_clock(
                configured_minutes(), self.engine, f"{WORKER_HOLDER}{worker_id()}"
            )
            self._pid = os.getpid()
        return self._clock

    def __call__(self, slot: str) -> TickReport:
        with self._lock:
            clock = self.clock()
            dead = dead_workers(self.huey, ledger.pending_holders(self.engine) - {clock.holder})
            if dead:
                log.warning("taking over the alerts of stopped workers %s", sorted(dead))
            report = count(clock.tick(use_lease=False, dead_holders=dead))
        log.info("alerts tick %s (worker): %s", slot, report.summary())
        return report


def register(huey: Huey, engine: Engine, clock: Clock | None = None) -> TaskWrapper:
    """Give this worker's ``huey`` the tick task (``clock``: a prebuilt one, for benches)."""
    return tick_task(huey, TickRunner(huey, engine, clock))
