"""Alembic environment: the app's tables plus slack_sdk's OAuth tables.

Run by ``bot.storage.schema`` with an open connection in ``config.attributes["connection"]``;
the ``alembic`` command line (``alembic -c bot/migrations/alembic.ini ...``, for writing new
revisions) connects to DATABASE_URL instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.storage.db import database_url
from bot.storage.schema import VERSION_TABLE, target_metadata

config = context.config


def _ours(name: str | None, type_: str, _parent: object) -> bool:
    """Autogenerate compares only the app's tables (Huey's queue tables may share the database)."""
    return type_ != "table" or name in {t for m in target_metadata() for t in m.tables}


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        include_name=_ours,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE via copy on SQLite
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(database_url())
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
