"""Which Huey storage the queue lives in, chosen from the environment.

- ``FLEX_QUEUE_URL=redis://host:6379/0``: ``PriorityRedisHuey`` (the scale-out path: N workers
  on N machines; needs the ``redis`` extra).
- ``FLEX_QUEUE_URL=memory://``: in-process memory (tests, the shell, Socket Mode one-process).
- otherwise, with a PostgreSQL ``DATABASE_URL``: ``PostgresHuey`` on that database (its
  sessions with ``synchronous_commit=off``).
- otherwise (the embedded default): ``SqliteHuey`` in a file next to the SQLite app database,
  ``flexcalc.sqlite`` -> ``flexcalc-queue.sqlite`` (override with ``FLEX_QUEUE_FILE``), in WAL
  mode with ``synchronous=NORMAL`` (see ``SqliteQueue``).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from huey import Huey, MemoryHuey, PostgresHuey, PriorityRedisHuey, SqliteHuey
from huey.storage import SqliteStorage
from sqlalchemy.engine import make_url

from bot.storage.db import database_url

QUEUE_NAME = "flexcalc"
# The queue's own PostgreSQL sessions commit without waiting for the WAL flush: 13 ms -> 1 ms
# per enqueue here, on Huey's one locked connection per process. A crash of the PostgreSQL
# server (not of our processes) can lose the last fraction of a second of queue writes; it
# never corrupts. The app's own tables keep the server's setting. See docs/adr/0087.
POSTGRES_QUEUE_OPTIONS = "-c synchronous_commit=off"


class SqliteQueueStorage(SqliteStorage):
    """Huey's SQLite storage, committing without an fsync each time (WAL, synchronous=NORMAL).

    Every ack writes the queue twice and every job several times (journal, send ledger); with
    SQLite's default FULL sync each commit waits for the disk (~3-7 ms here) while holding the
    one write lock, so acks queued behind workers' commits. In WAL mode NORMAL loses nothing
    when a process dies (kill -9, a deploy); only an operating-system crash or power cut can
    undo the last commits before the next checkpoint. See docs/adr/0087.
    """

    def _create_connection(self) -> sqlite3.Connection:
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


class SqliteQueue(SqliteHuey):
    """``SqliteHuey`` on ``SqliteQueueStorage``."""

    storage_class = SqliteQueueStorage


def queue_file(db_url: str | None = None) -> Path:
    """The SQLite queue file: FLEX_QUEUE_FILE, else beside the SQLite app database."""
    explicit = os.environ.get("FLEX_QUEUE_FILE", "").strip()
    if explicit:
        return Path(explicit)
    url = make_url(database_url(db_url))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        db = Path(url.database)
        return db.with_name(f"{db.stem}-queue.sqlite")
    return Path("flexcalc-queue.sqlite")


def make_huey(queue_url: str | None = None, db_url: str | None = None) -> Huey:
    """The Huey instance for this deployment (see the module docstring for the choice)."""
    queue_url = (queue_url or os.environ.get("FLEX_QUEUE_URL", "")).strip()
    common = {"results": False, "utc": True}
    if queue_url.startswith(("redis://", "rediss://", "unix://")):
        return PriorityRedisHuey(QUEUE_NAME, url=queue_url, **common)
    if queue_url.startswith("memory://"):
        return MemoryHuey(QUEUE_NAME, **common)
    url = make_url(database_url(db_url))
    if url.get_backend_name() == "postgresql":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return PostgresHuey(QUEUE_NAME, dsn=dsn, options=POSTGRES_QUEUE_OPTIONS, **common)
    path = queue_file(db_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteQueue(QUEUE_NAME, filename=str(path), timeout=10, **common)
