"""Liveness and readiness: what ``/healthz``, ``/readyz`` and the container probe report.

Readiness checks the database (reachable, schema current), the job queue (through a probe the
queue registers with ``set_queue_probe``; none means answers run in the web process), the clock
heartbeat (any clock ticked in the last 10 minutes) and data freshness (the newest write to the
shared upstream cache). Only the database decides ``ready``: a stale clock or old data is
reported as ``degraded`` without taking the web process out of service, since it would still
answer (with cached data and its age).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bot.observability import metrics
from bot.storage.heartbeat import STALE_AFTER, last_beat
from bot.storage.schema import schema_state
from bot.storage.subscriptions import utcnow
from flexcalc.sources.cache_place import CACHE_FILE, cache_dir

DATA_STALE_AFTER_S = 6 * 3600  # forecasts change every half hour; six hours old is stale


@dataclass(frozen=True)
class QueueProbe:
    """How to ask the job queue how many jobs wait (``backend`` names it: sqlite, redis...)."""

    backend: str
    depth: Callable[[], int]


_queue_probe: QueueProbe | None = None


def set_queue_probe(backend: str, depth: Callable[[], int]) -> None:
    """Called once by the job queue's set-up so readiness and /metrics report its depth."""
    global _queue_probe
    _queue_probe = QueueProbe(backend, depth)


def database_check(engine: Engine | None) -> dict[str, Any]:
    if engine is None:
        return {"ok": False, "error": "no database configured"}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        state = schema_state(engine)
    except Exception as error:  # any driver error: report it, never raise from a probe
        return {"ok": False, "error": type(error).__name__}
    return {"ok": state.kind == "current", "dialect": engine.dialect.name,
            "schema": state.current, "schema_head": state.head}  # fmt: skip


def queue_check() -> dict[str, Any]:
    if _queue_probe is None:
        return {"ok": True, "backend": "none"}
    try:
        depth = int(_queue_probe.depth())
    except Exception as error:
        return {"ok": False, "backend": _queue_probe.backend, "error": type(error).__name__}
    metrics.QUEUE_DEPTH.set(depth)
    return {"ok": True, "backend": _queue_probe.backend, "depth": depth}


def clock_check(engine: Engine | None, now: datetime | None = None) -> dict[str, Any]:
    try:
        newest = last_beat(engine) if engine is not None else None
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    if newest is None:
        metrics.CLOCK_AGE.set(-1)
        return {"ok": False, "last_beat": None, "age_seconds": None}
    age = ((now or utcnow()) - newest).total_seconds()
    metrics.CLOCK_AGE.set(age)
    return {"ok": age <= STALE_AFTER.total_seconds(),
            "last_beat": newest.isoformat() + "Z", "age_seconds": round(age)}  # fmt: skip


def data_check(directory: Path | None = None, now: float | None = None) -> dict[str, Any]:
    """Age of the newest write to the shared HTTP cache (SQLite file and its WAL)."""
    directory = directory or cache_dir()
    stamps = [p.stat().st_mtime for p in directory.glob(CACHE_FILE + "*") if p.is_file()]
    if not stamps:
        metrics.DATA_AGE.set(-1)
        return {"ok": False, "age_seconds": None}
    age = max(0.0, (now or time.time()) - max(stamps))
    metrics.DATA_AGE.set(age)
    return {"ok": age <= DATA_STALE_AFTER_S, "age_seconds": round(age)}


def readiness(engine: Engine | None) -> tuple[bool, dict[str, Any]]:
    """(ready, report): ready when the database is; the report names every part's state."""
    checks = {
        "database": database_check(engine),
        "queue": queue_check(),
        "clock": clock_check(engine),
        "data": data_check(),
    }
    ready = checks["database"]["ok"]
    healthy = all(check["ok"] for check in checks.values())
    status = "ok" if healthy else ("degraded" if ready else "unavailable")
    return ready, {"status": status, "checks": checks}
