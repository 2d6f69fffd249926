"""Database engine and schema creation.

``DATABASE_URL`` picks the database (SQLite file ``flexcalc.sqlite`` in the working directory by
default; Heroku-style ``postgres://`` URLs are accepted). Every table is created by
``init_db`` with ``create_all``, which is idempotent, so start-up is safe to repeat and to run
from several processes.
"""

from __future__ import annotations

import os
import time
from functools import cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase

DEFAULT_URL = "sqlite:///flexcalc.sqlite"


class Base(DeclarativeBase):
    """Declarative base for all of the bot's tables."""


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
    """Create every table that does not exist yet (safe to run at every start).

    Several processes starting together (gunicorn workers, the clock) can race between
    ``create_all``'s "does it exist?" check and its CREATE; the loser sees "already exists"
    and simply checks again.
    """
    import bot.storage.models  # noqa: F401  (registers the tables on Base.metadata)

    for attempt in range(attempts):
        try:
            Base.metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError, IntegrityError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
