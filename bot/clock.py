"""The clock process (Procfile ``clock:``): ``python -m bot clock [--minutes N]``, which
becomes ``python -m bot.clock`` (the same process, exec'd, holding only this module's imports).

An APScheduler 3 ``BlockingScheduler`` in Europe/London ticks every few minutes. Each tick the
lease holder stamps its heartbeat and queues one alerts tick on the job queue
(``bot.jobs.ticks``), with an id fixed by its slot so a doubled enqueue (a takeover in the
same slot) queues nothing twice; a worker does the work (``bot.alerts.tick_job``). So this
process stays small: it imports no pandas, numpy, matplotlib or scikit-learn.
Run two clocks for failover: only the lease holder acts; a heartbeat renews its 45 s lease every
15 s, and a standby takes over (and ticks at once) within a minute of the holder's crash.
``flexcalc-bot clock --once`` runs one tick inline instead (cron without a worker, tests).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from huey import Huey
from huey.api import TaskWrapper
from sqlalchemy import Engine

from bot.alerts import lease
from bot.jobs.queue import make_huey
from bot.jobs.ticks import configured_minutes, enqueue_tick, slot_of, tick_task
from bot.observability import metrics
from bot.observability.logs import configure_logging
from bot.security import redaction
from bot.security.secrets import exit_if_key_invalid
from bot.storage import heartbeat
from bot.storage.db import get_engine

log = logging.getLogger("bot.clock")
LONDON = ZoneInfo("Europe/London")


@dataclass
class Ticker:
    """The lease holder's side of a tick: beat, then queue the slot's alerts job."""

    engine: Engine
    huey: Huey
    interval: timedelta = timedelta(minutes=5)
    holder: str = field(default_factory=lease.new_holder)
    lease_ttl: timedelta = lease.LEASE_TTL
    heartbeat_every: float = lease.HEARTBEAT_EVERY
    task: TaskWrapper = field(init=False)

    def __post_init__(self) -> None:
        self.task = tick_task(self.huey)

    def heartbeat(self) -> bool:
        """Renew the lease, or take it if its holder stopped renewing. True: tick now.

        Called every ``heartbeat_every`` seconds, so a crashed holder is replaced within
        ``lease_ttl + heartbeat_every`` (45 + 15 s by default)."""
        held = lease.take(self.engine, self.holder, self.lease_ttl)
        return held is not None and held.took_over

    def tick(self, now: datetime | None = None) -> str | None:
        """Queue this slot's alerts job if we hold the lease; the slot queued, else None."""
        if not lease.acquire(self.engine, self.holder, self.lease_ttl):
            return None
        heartbeat.beat(self.engine, self.holder)  # ``alerts subscribe`` and /readyz read it
        slot = slot_of(now or datetime.now(LONDON), self.interval)
        queued = enqueue_tick(self.task, slot)
        log.info("alerts tick %s: %s", slot, "queued" if queued else "queued already")
        return slot if queued else None

    def release(self) -> None:
        lease.release(self.engine, self.holder)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot clock", description=__doc__)
    parser.add_argument(
        "--minutes",
        type=float,
        default=configured_minutes(),
        help="minutes between ticks (default 5, or FLEX_CLOCK_MINUTES)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the clock until SIGTERM/SIGINT; returns the process exit code."""
    args = parser().parse_args(argv)
    exit_if_key_invalid()  # a malformed FLEX_SECRET_KEY: one line, exit 1
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    redaction.install()  # tokens and signed URLs never reach a log, at any level
    ticker = Ticker(get_engine(), make_huey(), timedelta(minutes=args.minutes))
    metrics.serve_if_configured()  # FLEX_METRICS_PORT: /metrics of this process
    scheduler = BlockingScheduler(timezone="Europe/London")
    scheduler.add_job(
        ticker.tick,
        IntervalTrigger(minutes=args.minutes, timezone="Europe/London"),
        id="alerts-tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=int(args.minutes * 60),
        next_run_time=datetime.now(LONDON),
    )

    def renew() -> None:
        """Keep the lease (holder) or take it over within a minute of a crash (standby)."""
        if ticker.heartbeat():
            log.info("took over the clock lease: ticking now")
            scheduler.modify_job("alerts-tick", next_run_time=datetime.now(LONDON))

    scheduler.add_job(
        renew,
        IntervalTrigger(seconds=ticker.heartbeat_every, timezone="Europe/London"),
        id="lease-heartbeat",
        max_instances=1,
        coalesce=True,
    )

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping the clock", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("alerts clock %s queueing a tick every %g min", ticker.holder, args.minutes)
    try:
        scheduler.start()
    finally:
        ticker.release()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
