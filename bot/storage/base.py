"""The declarative base every table module builds on, and idempotent table creation.

Table modules import ``Base`` from here (not from ``bot.storage.db``), so the engine module can
import every table module without an import cycle.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for all of the bot's tables."""


def create_tables(engine: Engine, attempts: int = 5) -> None:
    """Create every registered table that does not exist yet (safe to run at every start).

    Several processes starting together (gunicorn workers, the clock) can race between
    ``create_all``'s "does it exist?" check and its CREATE; the loser sees "already exists"
    and simply checks again.
    """
    for attempt in range(attempts):
        try:
            Base.metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError, IntegrityError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
