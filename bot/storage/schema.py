"""Schema versions with Alembic: check at start-up, migrate on demand, under a lock.

Every process calls ``ensure_schema`` once per engine (``bot.storage.db.get_engine``):

- an empty database is brought to the newest revision (the first start of a deployment);
- a current one is used as it is;
- an old one (an earlier revision, or tables made by a release before migrations existed) is
  refused with ``SchemaError`` saying to run ``flexcalc-bot migrate``, unless
  ``FLEX_AUTO_MIGRATE=1``, which migrates it;
- a revision this release does not know (a newer release wrote it) is always refused.

Migrating takes a lock so that processes starting together migrate once: a PostgreSQL advisory
lock, or an exclusive ``flock`` on ``<database file>.migrate-lock`` for SQLite.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Connection, Engine, MetaData, inspect, text

import bot.storage.models  # noqa: F401  (registers every table on Base.metadata)
from bot.security.tables import widen_token_columns
from bot.storage.base import Base
from bot.storage.schema_error import SchemaError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
AUTO_MIGRATE_ENV = "FLEX_AUTO_MIGRATE"
VERSION_TABLE = "alembic_version"
PG_LOCK_KEY = 0x466C6578  # "Flex": pg_advisory_lock key shared by every Flexcalc process
_TRUE = {"1", "true", "yes", "on"}
_memory_lock = threading.Lock()


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: ``current`` revision (None: unversioned) against ``head``."""

    current: str | None
    head: str
    known: bool  # the current revision exists in this release's migrations
    has_tables: bool  # any of the app's tables exist

    @property
    def kind(self) -> str:
        """empty | current | old | unknown."""
        if self.current is None:
            return "old" if self.has_tables else "empty"
        if self.current == self.head:
            return "current"
        return "old" if self.known else "unknown"


def slack_metadata() -> list[MetaData]:
    """The tables slack_sdk's OAuth installation and state stores use (default names)."""
    installs = MetaData()  # token columns widened to Text (migration 0004, bot.security)
    widen_token_columns(SQLAlchemyInstallationStore.build_bots_table(
        installs, SQLAlchemyInstallationStore.default_bots_table_name
    ))  # fmt: skip
    widen_token_columns(SQLAlchemyInstallationStore.build_installations_table(
        installs, SQLAlchemyInstallationStore.default_installations_table_name
    ))  # fmt: skip
    states = MetaData()
    SQLAlchemyOAuthStateStore.build_oauth_states_table(
        states, SQLAlchemyOAuthStateStore.default_table_name
    )
    return [installs, states]


def target_metadata() -> list[MetaData]:
    """Everything the migrations manage: the app's tables and slack_sdk's OAuth tables."""
    return [Base.metadata, *slack_metadata()]


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "bot/migrations has no revisions"
    return head


def schema_state(engine: Engine) -> SchemaState:
    """Read the database's revision and whether it holds any of the app's tables."""
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head() or ""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        names = set(inspect(conn).get_table_names())
    ours = {table for metadata in target_metadata() for table in metadata.tables}
    known = current is None or _has_revision(script, current)
    return SchemaState(current, head, known, bool(names & ours))


def _has_revision(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown ids
        return False


def auto_migrate_enabled() -> bool:
    return os.environ.get(AUTO_MIGRATE_ENV, "").strip().lower() in _TRUE


def ensure_schema(engine: Engine, *, auto: bool | None = None) -> SchemaState:
    """Make sure ``engine``'s schema is this release's, or raise ``SchemaError``."""
    auto = auto_migrate_enabled() if auto is None else auto
    state = schema_state(engine)
    if state.kind == "current":
        return state
    with migration_lock(engine):  # decide once no other process is half way through migrating
        state = schema_state(engine)
        if state.kind == "old" and not auto:
            raise SchemaError(_old_message(state))
        return _upgrade(engine, state)


def migrate(engine: Engine) -> SchemaState:
    """Upgrade to the newest revision under the migration lock; returns the final state.

    Tables created by the release before migrations existed are adopted by the baseline
    revision (it creates only the tables that are missing) and stamped.
    """
    with migration_lock(engine):
        return _upgrade(engine, schema_state(engine))


def _upgrade(engine: Engine, state: SchemaState) -> SchemaState:
    if state.kind == "unknown":
        raise SchemaError(_unknown_message(state))
    if state.kind == "current":
        return state
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            # pysqlite runs DDL outside transactions: one fsync per statement (~1 s for the
            # baseline) and a crash could leave half a schema. One explicit transaction instead.
            conn.exec_driver_sql("BEGIN")
        command.upgrade(alembic_config(conn), "head")
    return schema_state(engine)


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """One migrating process at a time for this database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
                conn.commit()
        return
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        with _memory_lock:
            yield
        return
    with open(f"{path}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _old_message(state: SchemaState) -> str:
    found = f"revision {state.current}" if state.current else "tables from before migrations"
    return (
        f"The database schema is out of date ({found}; this release needs {state.head}). "
        "Back up the database, then run `flexcalc-bot migrate` (or `python -m bot migrate`) "
        f"once, or start with {AUTO_MIGRATE_ENV}=1 to migrate automatically."
    )


def _unknown_message(state: SchemaState) -> str:
    return (
        f"The database schema is at revision {state.current}, which this release does not know "
        f"(its newest is {state.head}): a newer Flexcalc has migrated it. Run that release, "
        "or restore the backup taken before it migrated."
    )
