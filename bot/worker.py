"""The worker process (Procfile ``worker:``): ``python -m bot worker``.

A Huey consumer runs the jobs the web and the clock queued (answers, charts, Home tabs, pledges,
the alerts ticks) on 4 threads by default (``FLEX_WORKERS``); ``FLEX_WORKER_TYPE=process`` runs
one process per core instead (more memory; charts drawn on every core). Scale out with more
worker processes.
Workers lower their own CPU priority (``FLEX_WORKER_NICE``, default 5) so that on a machine they
share with the web process, Slack's acks (due within 3 s) win the cores over answers and charts.
SIGTERM is graceful: no new jobs are taken, jobs in hand finish within
``FLEX_WORKER_SHUTDOWN_SECONDS`` (default 25) or are handed back to the queue. A reaper thread
re-queues the jobs of workers that died without a word (see ``bot.jobs.runner``).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from huey import Huey

from bot.alerts import tick_job
from bot.app import slack_tokens
from bot.config import SlackConfig
from bot.jobs import memory
from bot.jobs.bridge import ListenerTable, QueuingApp
from bot.jobs.queue import make_huey
from bot.jobs.runner import JobQueue
from bot.listeners import register_listeners
from bot.listeners.work import lazy_work
from bot.observability import metrics
from bot.observability.health import set_queue_probe
from bot.observability.logs import configure_logging
from bot.security.secrets import exit_if_key_invalid
from bot.services import Services
from bot.storage.db import get_engine

log = logging.getLogger("bot.worker")


def build_queue(huey: Huey | None = None, services: Services | None = None) -> JobQueue:
    """The job queue with every listener's work registered (the same table as the web's)."""
    config = SlackConfig.from_env()
    if services is None:
        services = Services(engine=get_engine(), public_base_url=config.public_base_url)
    table = ListenerTable()
    register_listeners(QueuingApp(None, table, work=lazy_work(services)), services)  # type: ignore[arg-type]
    queue = JobQueue(huey or make_huey(), table, lambda: slack_tokens(config, services.engine))
    if services.engine is not None:
        engine = services.engine
        tick_job.register(queue.huey, engine)  # the alerts ticks the clock queues
        # A forked worker process must not reuse the parent's pooled database connections.
        queue.huey.on_startup(name="flexcalc-fresh-pool")(lambda: engine.dispose(close=False))
    return queue


DEFAULT_THREADS = 4  # jobs wait on Slack as much as they compute (see bench/README.md)
DEFAULT_NICE = 5  # the web's acks win a shared CPU, yet answers still get their share


def worker_nice() -> int:
    """How far below the web the worker's CPU priority goes (``FLEX_WORKER_NICE``; 0: equal)."""
    return max(0, int(os.environ.get("FLEX_WORKER_NICE", "") or DEFAULT_NICE))


def lower_priority() -> int:
    """Lower this process's CPU priority by ``worker_nice()`` (forked workers inherit it);
    returns the niceness now in force."""
    step = worker_nice()
    try:
        return os.nice(step)
    except OSError:  # a platform that forbids it: run at the priority we were given
        log.warning("could not lower the worker's CPU priority by %s", step)
        return os.nice(0)


def consumer_options() -> dict[str, Any]:
    """Threads in one process by default (~230 MB); ``FLEX_WORKER_TYPE=process`` runs one
    process per core instead (charts on every core, ~230 MB each)."""
    kind = os.environ.get("FLEX_WORKER_TYPE", "thread")
    default = DEFAULT_THREADS if kind == "thread" else (os.cpu_count() or 1)
    return {
        "workers": int(os.environ.get("FLEX_WORKERS", "0") or 0) or default,
        "worker_type": kind,
        "graceful_signal": "TERM",  # SIGTERM: finish or hand back, never drop
        "shutdown_timeout": float(os.environ.get("FLEX_WORKER_SHUTDOWN_SECONDS", "25")),
        "periodic": False,
        "initial_delay": 0.05,
        "max_delay": 0.5,
        "check_worker_health": True,
        "health_check_interval": 5,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the consumer until SIGTERM/SIGINT; returns the process exit code."""
    exit_if_key_invalid()  # a malformed FLEX_SECRET_KEY: one line, exit 1
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    metrics.serve_if_configured()  # FLEX_METRICS_PORT: /metrics of this process
    queue = build_queue()
    set_queue_probe(type(queue.huey).__name__, queue.huey.pending_count)
    options = consumer_options()
    nice = lower_priority()
    memory.limit_arenas()  # before the consumer's threads exist (docs/adr/0107)
    memory.trim_after_jobs(queue.huey)
    queue.reap()  # jobs left by a worker that died before this one started
    queue.reap_forever()
    kind = options["worker_type"]
    log.info("flexcalc worker: %s %s worker(s), nice %s", options["workers"], kind, nice)
    queue.huey.create_consumer(**options).run()
    queue.stop()
    return 0
