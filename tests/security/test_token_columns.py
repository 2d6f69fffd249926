"""Encrypted OAuth tokens fit their columns: a long rotating-style token, encrypted, is refused
by PostgreSQL in slack_sdk's VARCHAR(200) (schema 0003) and round-trips once migration 0004 has
widened the token columns to Text; on SQLite too."""

from __future__ import annotations

import pytest
from alembic import command
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import DBAPIError

from bot.security import secrets
from bot.security.installations import installation_store
from bot.security.tables import TOKEN_COLUMNS
from bot.storage import schema
from bot.storage.db import database_url

# Slack's rotating tokens: "xoxe.xoxb-" + ids + a long secret; refresh tokens "xoxe-1-...".
BOT_TOKEN = "xoxe.xoxb-1-" + "MS0yLTEyMzQ1Njc4OTAxMjM0LTU2Nzg5MDEyMzQ1Njc4" * 3
REFRESH = "xoxe-1-" + "My0xLTEyMzQ1Njc4OTAxMjM0LTk4NzY1NDMyMTA5ODc2LTAx" * 3
USER_TOKEN = "xoxe.xoxp-1-" + "Mi0xLTEyMzQ1Njc4OTAxMjM0LTExMTExMTExMTExMTEx" * 3


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db_url(request, tmp_path, monkeypatch) -> str:
    monkeypatch.setenv(secrets.KEY_ENV, secrets.new_key())
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/tokens.sqlite"
    return request.getfixturevalue("postgres_url")


def _installation() -> Installation:
    return Installation(app_id="A0FLEX", enterprise_id=None, team_id="T0LONG", user_id="U0OWNER",
                        bot_token=BOT_TOKEN, bot_refresh_token=REFRESH, bot_id="B0FLEX",
                        bot_user_id="U0BOT", user_token=USER_TOKEN, user_refresh_token=REFRESH,
                        bot_token_expires_in=43200, user_token_expires_in=43200)  # fmt: skip


def _upgrade(engine, revision: str) -> None:
    with engine.begin() as conn:
        command.upgrade(schema.alembic_config(conn), revision)


def test_a_long_encrypted_token_round_trips_after_0004(db_url):
    engine = create_engine(database_url(db_url))
    assert len(secrets.encrypt(BOT_TOKEN)) > 200  # what the database really stores
    _upgrade(engine, "0003")
    store = installation_store("C0LIENT", engine)
    if engine.dialect.name == "postgresql":  # VARCHAR(200) is enforced there
        with pytest.raises(DBAPIError, match="too long"):
            store.save(_installation())
    _upgrade(engine, "0004")
    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("slack_installations")}
    assert all(getattr(columns[name], "length", None) is None for name in TOKEN_COLUMNS)
    store.save(_installation())
    found = store.find_installation(enterprise_id=None, team_id="T0LONG")
    bot = store.find_bot(enterprise_id=None, team_id="T0LONG")
    assert found is not None and bot is not None
    assert (found.bot_token, found.bot_refresh_token, found.user_token) == (
        BOT_TOKEN, REFRESH, USER_TOKEN,
    )  # fmt: skip
    assert (bot.bot_token, bot.bot_refresh_token) == (BOT_TOKEN, REFRESH)
