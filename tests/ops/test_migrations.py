"""Schema migrations: a database made by the release before migrations is adopted, a fresh one is
created, an out-of-date one is refused with a clear message unless migrating is asked for; on
SQLite and on PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

import bot.storage.schema as schema
from bot.migrate_cli import main as migrate_main
from bot.storage.db import Base, database_url, init_db
from bot.storage.schema import SchemaError, ensure_schema, head_revision, schema_state
from tests.test_storage import start_together

ROOT = Path(__file__).resolve().parents[2]
THIS_HEAD = head_revision()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/flexcalc.sqlite"
    return request.getfixturevalue("postgres_url")


def _engine(url: str):
    return create_engine(database_url(url))


def _create_as_before_migrations(engine) -> None:
    """What the release before migrations did at start-up: create_all, plus the OAuth stores."""
    Base.metadata.create_all(engine)
    for metadata in schema.slack_metadata():
        metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO region_settings (team_id, channel_id, region_letter) "
                "VALUES ('T1', '', 'C')"
            )
        )


def _differences(engine) -> list:
    """What differs between the database and the models (empty: they match exactly)."""
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), schema.target_metadata())
    return [d for d in diffs if d[0] != "remove_table" or d[1].name != "alembic_version"]


def test_a_fresh_database_is_created_at_the_newest_revision_matching_the_models(db_url):
    engine = _engine(db_url)
    init_db(engine)  # what every process does at start
    state = schema_state(engine)
    assert (state.kind, state.current) == ("current", head_revision())
    assert _differences(engine) == []


def test_a_database_made_before_migrations_is_refused_then_adopted_by_migrate(
    db_url, monkeypatch, capsys
):
    engine = _engine(db_url)
    _create_as_before_migrations(engine)
    monkeypatch.delenv("FLEX_AUTO_MIGRATE", raising=False)
    with pytest.raises(SchemaError, match=r"flexcalc-bot migrate"):
        init_db(engine)

    monkeypatch.setenv("DATABASE_URL", db_url)
    assert migrate_main([]) == 0
    assert f"migrated from no revision to {head_revision()}" in capsys.readouterr().out
    init_db(engine)  # starts now
    assert _differences(engine) == []
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT team_id, region_letter FROM region_settings")).all()
    assert [tuple(r) for r in rows] == [("T1", "C")]  # nothing lost
    assert migrate_main([]) == 0
    assert "already at revision" in capsys.readouterr().out


def test_auto_migrate_adopts_an_old_database_and_creates_missing_tables(db_url, monkeypatch):
    engine = _engine(db_url)
    Base.metadata.create_all(engine)  # a single-workspace install: no OAuth tables yet
    monkeypatch.setenv("FLEX_AUTO_MIGRATE", "1")
    init_db(engine)
    assert {"slack_bots", "slack_installations", "slack_oauth_states"} <= set(
        inspect(engine).get_table_names()
    )
    assert schema_state(engine).kind == "current"


def test_a_revision_this_release_does_not_know_is_always_refused(db_url, monkeypatch):
    engine = _engine(db_url)
    init_db(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    monkeypatch.setenv("FLEX_AUTO_MIGRATE", "1")
    with pytest.raises(SchemaError, match="newer Flexcalc"):
        init_db(engine)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert migrate_main(["--check"]) == 1


NEXT_REVISION = '''"""test only: a column added after this release's newest revision"""

import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("region_settings") as batch:
        batch.add_column(sa.Column("nickname", sa.String(20), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("region_settings") as batch:
        batch.drop_column("nickname")
'''


@pytest.fixture
def release_with_a_second_revision(tmp_path, monkeypatch) -> Path:
    """The packaged migrations plus a revision 9001, as the next release would ship them."""
    directory = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS_DIR, directory, ignore=shutil.ignore_patterns("__pycache__"))
    (directory / "versions" / "9001_nickname.py").write_text(NEXT_REVISION.format(head=THIS_HEAD))
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", directory)
    return directory


def test_the_next_release_refuses_this_releases_schema_then_migrates_it(
    db_url, monkeypatch, capsys, release_with_a_second_revision
):
    engine = _engine(db_url)
    _create_as_before_migrations(engine)
    with engine.begin() as conn:  # as this release leaves it
        command.upgrade(schema.alembic_config(conn), THIS_HEAD)
    monkeypatch.delenv("FLEX_AUTO_MIGRATE", raising=False)
    with pytest.raises(SchemaError, match=rf"revision {THIS_HEAD}; this release needs 9001"):
        ensure_schema(engine)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert migrate_main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().out
    assert migrate_main([]) == 0
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT team_id, nickname FROM region_settings")).all()
    assert [tuple(r) for r in rows] == [("T1", "")]
    assert schema_state(engine).current == "9001"


def test_processes_starting_together_on_an_old_database_migrate_it_once(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/shared.sqlite"
    _create_as_before_migrations(_engine(url))
    monkeypatch.setenv("FLEX_AUTO_MIGRATE", "1")
    assert start_together(url) == [0, 0, 0, 0]
    assert schema_state(_engine(url)).kind == "current"


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.slow
def test_a_process_on_an_old_database_exits_with_the_message_not_a_traceback(tmp_path):
    url = f"sqlite:///{tmp_path}/old.sqlite"
    _create_as_before_migrations(_engine(url))
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "HOME": str(tmp_path)}
    run = _run(["clock", "--once"], env)
    assert run.returncode == 2
    assert "flexcalc-bot migrate" in run.stderr and "FLEX_AUTO_MIGRATE=1" in run.stderr
    assert "Traceback" not in run.stderr
    run = _run(["migrate"], env)
    assert run.returncode == 0, run.stderr
    assert "migrated from no revision" in run.stdout
