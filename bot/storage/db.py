"""Database engine and schema creation.

``DATABASE_URL`` picks the database (SQLite file ``flexcalc.sqlite`` in the working directory by
default; Heroku-style ``postgres://`` URLs are accepted). The schema is versioned with Alembic
(``bot/migrations``): ``init_db`` checks it and creates it on an empty database, under a lock, so
start-up is safe to repeat and to run from several processes (``bot.storage.schema``).
"""

from __future__ import annotations

import os
from functools import cache

from sqlalchemy import Engine, create_engine, event

from bot.storage.base import Base
from bot.storage.schema import ensure_schema  # imports every table module (bot.storage.models)

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
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: no fsync per commit (docs/adr/0087)
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the whole process, its schema checked (``init_db``).

    Keyed by the resolved URL, so ``get_engine()`` follows DATABASE_URL."""
    return _engine_for(database_url(url))


@cache
def _engine_for(resolved: str) -> Engine:
    engine = create_engine(resolved, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    init_db(engine)
    return engine


def init_db(engine: Engine) -> None:
    """Check the schema (created on an empty database); ``SchemaError`` if it needs migrating."""
    ensure_schema(engine)
