"""Every Prometheus metric of the app, in one place: increment with one line from anywhere.

    from bot.observability import metrics
    metrics.COMMANDS.labels(kind="bestslot", outcome="ok").inc()
    with metrics.ANSWER_SECONDS.labels(kind="bestslot").time(): ...

With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn with several workers, or web + worker on one
host) prometheus-client keeps values in files there and ``exposition()`` sums every process.
The domain reports upstream calls and chart renders through ``flexcalc.observe``; this module
subscribes to them at import.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

from flexcalc import observe

_LATENCY = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0)

COMMANDS = Counter(
    "flexcalc_commands_total",
    "Commands answered, by kind (bestslot, prices, ...) and outcome (ok, error, usage, failed).",
    ["kind", "outcome"],
)
ACK_SECONDS = Histogram(
    "flexcalc_ack_seconds",
    "Time from receiving a chat request to acknowledging it (Slack's limit is 3 s).",
    ["surface"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
ANSWER_SECONDS = Histogram(
    "flexcalc_answer_seconds", "Time to compute one answer, by command kind.", ["kind"],
    buckets=_LATENCY,
)  # fmt: skip
QUEUE_DEPTH = Gauge(
    "flexcalc_queue_depth", "Jobs waiting in the job queue.", multiprocess_mode="livemax"
)
UPSTREAM = Counter(
    "flexcalc_upstream_requests_total",
    "Upstream API requests by service and result (fetched, cached, error, stale_fallback).",
    ["service", "result"],
)
ALERTS = Counter(
    "flexcalc_alerts_total",
    "Alerts handled by the clock's ticks (run by a worker): posted, failed (retried later) or "
    "gave_up.",
    ["outcome"],
)
CHART_SECONDS = Histogram(
    "flexcalc_chart_render_seconds", "Time to rasterise one chart to PNG.",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0),
)  # fmt: skip
CLOCK_AGE = Gauge(
    "flexcalc_clock_heartbeat_age_seconds",
    "Seconds since any clock process last ticked (-1: never).",
    multiprocess_mode="liveall",
)
DATA_AGE = Gauge(
    "flexcalc_data_age_seconds",
    "Seconds since upstream data was last fetched into the shared cache (-1: never).",
    multiprocess_mode="liveall",
)


def _upstream(service: str, result: str) -> None:
    UPSTREAM.labels(service=service, result=result).inc()


def _chart(seconds: float) -> None:
    CHART_SECONDS.observe(seconds)


observe.on("upstream", _upstream)
observe.on("chart_render", _chart)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> tuple[bytes, str]:
    """The text exposition format of every metric (all processes in multiprocess mode)."""
    return generate_latest(_registry()), CONTENT_TYPE_LATEST


def mark_process_dead(pid: int) -> None:
    """For gunicorn's ``child_exit`` hook in multiprocess mode (drops the dead worker's gauges)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)


def command_kind(request: object | None) -> str:
    """``BestSlotRequest`` -> ``best_slot``; None (not understood) -> ``unknown``."""
    if request is None:
        return "unknown"
    name = type(request).__name__.removesuffix("Request") or "unknown"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def record_command(request: object | None, outcome: str, seconds: float | None = None) -> None:
    """One answered command: counted by kind and outcome; its time, when given, observed."""
    kind = command_kind(request)
    COMMANDS.labels(kind=kind, outcome=outcome).inc()
    if seconds is not None:
        ANSWER_SECONDS.labels(kind=kind).observe(seconds)


def reset_multiprocess_dir() -> None:
    """Empty PROMETHEUS_MULTIPROC_DIR (create it if missing) before a process tree starts.

    This process's own files stay: it already writes to them (memory-mapped)."""
    directory = multiprocess_dir()
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    mine = f"_{os.getpid()}.db"
    for stale in path.glob("*.db"):
        if not stale.name.endswith(mine):
            stale.unlink(missing_ok=True)


def serve_if_configured() -> int | None:
    """For processes without a web server (clock, worker): serve /metrics on FLEX_METRICS_PORT.

    Such a process owns its multiprocess directory, so it is emptied first. Returns the port,
    or None when the variable is unset (nothing started)."""
    port = os.environ.get("FLEX_METRICS_PORT", "").strip()
    if not port:
        return None
    reset_multiprocess_dir()
    start_http_server(int(port), registry=_registry())
    return int(port)


def _registry() -> CollectorRegistry:
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY
