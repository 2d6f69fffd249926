"""The clock process (Procfile ``clock:``): ``python -m bot clock [--once] [--minutes N]``.

An APScheduler 3 ``BlockingScheduler`` in Europe/London ticks every few minutes; each tick takes
the database lease, posts whatever alerts are due and records them (see ``bot.alerts.fanout``).
Run two clocks for failover: only the lease holder acts; a heartbeat renews its 45 s lease every
15 s, and a standby takes over (and ticks at once) within a minute of the holder's crash.
``--once`` runs one tick and exits (cron, Heroku Scheduler, tests).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
from datetime import timedelta
from typing import Any

from bot.alerts.fanout import Clock, ClockSettings, TickReport
from bot.alerts.slack_post import SlackClients
from bot.observability import metrics
from bot.observability.logs import configure_logging
from bot.security.secrets import exit_if_key_invalid
from bot.storage import heartbeat
from bot.storage.db import get_engine
from flexcalc.sources.providers import make_provider as shared_provider

# The Teams bot registers itself as the sender of alerts to bot conversations (optional SDK).
with contextlib.suppress(ImportError):
    import bot.teams.agent  # noqa: F401

log = logging.getLogger("bot.clock")


def make_provider() -> Any:
    """The shared data provider (live, with the HTTP cache; the bundled sample when offline)."""
    return shared_provider()


def build_clock(minutes: float = 5.0) -> Clock:
    """A Clock wired from the environment (DATABASE_URL, SLACK_*, PUBLIC_BASE_URL)."""
    engine = get_engine()
    interval = timedelta(minutes=minutes)
    settings = ClockSettings(
        interval=interval, stale_after=max(timedelta(minutes=10), interval * 2)
    )
    return Clock(
        engine,
        make_provider(),
        SlackClients.from_env(engine),
        settings=settings,
        public_base_url=os.environ.get("PUBLIC_BASE_URL") or None,
    )


def run_tick(clock: Clock) -> TickReport:
    """One tick: the heartbeat (``alerts subscribe`` and /readyz read it), then the alerts."""
    heartbeat.beat(clock.engine, clock.holder)
    report = clock.tick()
    metrics.ALERTS.labels(outcome="posted").inc(report.posted)
    metrics.ALERTS.labels(outcome="failed").inc(report.retry_later)
    metrics.ALERTS.labels(outcome="gave_up").inc(report.gave_up)
    return report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot clock", description=__doc__)
    parser.add_argument("--once", action="store_true", help="run one tick and exit")
    parser.add_argument(
        "--minutes",
        type=float,
        default=float(os.environ.get("FLEX_CLOCK_MINUTES", "5")),
        help="minutes between ticks (default 5, or FLEX_CLOCK_MINUTES)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the clock; returns the process exit code."""
    args = _parser().parse_args(argv)
    exit_if_key_invalid()  # a malformed FLEX_SECRET_KEY: one line, exit 1
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    clock = build_clock(args.minutes)
    metrics.serve_if_configured()  # FLEX_METRICS_PORT: /metrics of this process
    if args.once:
        try:
            report = run_tick(clock)
        finally:
            clock.release()  # the next cron run (another process) may act at once
        print(f"alerts clock: {report.summary()}")
        for error in report.errors:
            print(f"  ! {error}")
        return 0

    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = BlockingScheduler(timezone="Europe/London")
    scheduler.add_job(
        run_tick,
        IntervalTrigger(minutes=args.minutes, timezone="Europe/London"),
        args=(clock,),
        id="alerts-tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=int(args.minutes * 60),
        next_run_time=_now_london(),
    )

    def heartbeat() -> None:
        """Keep the lease (holder) or take it over within a minute of a crash (standby)."""
        if clock.heartbeat():
            log.info("took over the clock lease: ticking now")
            scheduler.modify_job("alerts-tick", next_run_time=_now_london())

    scheduler.add_job(
        heartbeat,
        IntervalTrigger(seconds=clock.settings.heartbeat_every, timezone="Europe/London"),
        id="lease-heartbeat",
        max_instances=1,
        coalesce=True,
    )

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping the clock", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("alerts clock %s ticking every %g min", clock.holder, args.minutes)
    try:
        scheduler.start()
    finally:
        clock.release()
    return 0


def _now_london():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/London"))


if __name__ == "__main__":
    raise SystemExit(main())
