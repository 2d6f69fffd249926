"""Database engine and schema creation.

``DATABASE_URL`` picks the database (SQLite file ``flexcalc.sqlite`` in the working directory by
default; Heroku-style ``postgres://`` URLs are accepted). Every table is created by
``init_db`` with ``create_all``, which is idempotent, so start-up is safe to repeat and to run
from several processes.
"""

from __future__ import annotations

import os
from functools import cache

from sqlalchemy import Engine, create_engine, event

import bot.storage.models  # noqa: F401  (registers every table on Base.metadata)
from bot.storage.base import Base, create_tables

__all__ = ["Base", "database_url", "get_engine", "init_db"]

DEFAULT_URL = "sqlite:///flexcalc.sqlite"


def database_url(url: str | None = None) -> str:
    """The SQLAlchemy URL to use: the argument, else DATABASE_URL, else a local SQLite file."""
    url = url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):  # psycopg 3, not SQLAlchemy's psycopg2 default
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@cache
def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the whole process, with its tables created."""
    resolved = database_url(url)
    engine = create_engine(resolved, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    init_db(engine)
    return engine


def init_db(engine: Engine, attempts: int = 5) -> None:
    """Create every table that does not exist yet (safe to run at every start)."""
    create_tables(engine, attempts)
