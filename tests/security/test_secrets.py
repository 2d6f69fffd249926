"""Secrets at rest, in logs and in saved answers: what an attacker with a database dump, the
log files or a channel's history would find."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Text, select, type_coerce

from bot.__main__ import main as bot_main
from bot.security import redaction, secrets
from bot.security.installations import installation_store
from bot.security.outbound import OutboundPolicy, use_policy
from bot.storage.answers import SavedAnswerRow
from bot.storage.db import get_engine
from bot.storage.teams import TeamsDestination, destination_url, save_destination
from tests.fakes.slack_api import DEFAULT_TOKEN
from tests.slack.harness import SlackClientSide, block_text

SIG = "S1gN4tur3SecretValue0123456789abcdef"
URL = (
    "https://prod-12.westeurope.logic.azure.com:443/workflows/5f0c/triggers/manual/paths/invoke"
    f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}"
)
BOT_TOKEN = "xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
KEY_A, KEY_B = secrets.new_key(), secrets.new_key()


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/secrets.sqlite"
    monkeypatch.setenv("DATABASE_URL", url)
    return get_engine(url)


def _stored_urls(engine) -> list[str]:
    table = TeamsDestination.__table__
    with engine.connect() as connection:
        return list(connection.execute(select(type_coerce(table.c.url, Text))).scalars())


def test_workflow_urls_are_encrypted_in_the_database(db, monkeypatch):
    monkeypatch.setenv(secrets.KEY_ENV, KEY_A)
    key = save_destination(db, URL, team_id="T1")
    [stored] = _stored_urls(db)
    assert SIG not in stored and "logic.azure.com" not in stored
    assert destination_url(db, key) == URL  # ...and usable by the app


def test_oauth_tokens_are_encrypted_in_the_database(db, monkeypatch):
    monkeypatch.setenv(secrets.KEY_ENV, KEY_A)
    store = installation_store("1234.5678", db)
    store.metadata.create_all(db)
    store.save(Installation(app_id="A1", team_id="T1", user_id="U1", bot_token=BOT_TOKEN,
                            bot_id="B1", bot_user_id="UB1",
                            installed_at=datetime.now(UTC).timestamp()))  # fmt: skip
    with db.connect() as connection:
        dumped = [str(row) for t in (store.installations, store.bots)
                  for row in connection.execute(select(t))]  # fmt: skip
    assert dumped and not any("xoxb" in row for row in dumped)
    assert store.find_bot(enterprise_id=None, team_id="T1").bot_token == BOT_TOKEN
    assert store.find_installation(enterprise_id=None, team_id="T1").bot_token == BOT_TOKEN


def test_rotation_re_encrypts_everything_with_the_new_key(db, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_CLIENT_ID", "1234.5678")
    monkeypatch.delenv(secrets.KEY_ENV, raising=False)
    legacy = save_destination(db, URL + "legacy", team_id="T1")  # stored before any key
    monkeypatch.setenv(secrets.KEY_ENV, KEY_A)
    key = save_destination(db, URL, team_id="T1")
    store = installation_store("1234.5678", db)
    store.metadata.create_all(db)
    store.save(Installation(app_id="A1", team_id="T1", user_id="U1", bot_token=BOT_TOKEN,
                            bot_id="B1", bot_user_id="UB1"))  # fmt: skip

    monkeypatch.setenv(secrets.KEY_ENV, f"{KEY_B},{KEY_A}")  # new key first
    assert bot_main(["secrets", "rotate"]) == 0
    assert "Re-encrypted" in capsys.readouterr().out
    monkeypatch.setenv(secrets.KEY_ENV, KEY_B)  # the old key is gone
    assert destination_url(db, key) == URL
    assert destination_url(db, legacy) == URL + "legacy"
    assert all(secrets.is_encrypted(u) for u in _stored_urls(db))
    assert store.find_bot(enterprise_id=None, team_id="T1").bot_token == BOT_TOKEN
    monkeypatch.setenv(secrets.KEY_ENV, KEY_A)  # and the old key alone reads nothing
    with pytest.raises(secrets.SecretKeyMissing):
        destination_url(db, key)


def test_rotate_without_a_key_changes_nothing(db, monkeypatch, capsys):
    monkeypatch.delenv(secrets.KEY_ENV, raising=False)
    save_destination(db, URL, team_id="T1")
    assert bot_main(["secrets", "rotate"]) == 2
    assert _stored_urls(db) == [URL]


@pytest.mark.parametrize(
    "line",
    [
        f"posting with token={BOT_TOKEN}",
        f"headers: {{'Authorization': 'Bearer {BOT_TOKEN}'}}",
        "app token xapp-1-A0123-456-abcdef0123456789",
        "user token xoxp-123-456-789-abcdef refresh xoxe-1-abcdefABCDEF",
        f"POST {URL} -> 503",
        f"redirect to https://x.example/cb?code={SIG}&state=1",
        f"teams header HMAC {SIG}==",
    ],
)
def test_secrets_are_redacted_from_logs_at_every_level(line, caplog):
    redaction.install()
    caplog.set_level(logging.DEBUG)
    for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR):
        logging.getLogger("slack_sdk.web.base_client").log(level, "%s", line)
    try:
        raise RuntimeError(line)
    except RuntimeError:
        logging.getLogger("bot.anything").exception("failed")
    text = caplog.text
    for secret in (BOT_TOKEN, SIG, "xapp-1", "xoxp-", "xoxe-", "abcdef0123456789"):
        assert secret not in text
    assert "…" in text


def test_the_bot_token_never_reaches_debug_logs_of_a_real_command(make_teams_app, fake_slack,
                                                                  caplog):  # fmt: skip
    redaction.install()
    caplog.set_level(logging.DEBUG)
    teams = make_teams_app()
    slack = SlackClientSide(teams.url, fake_slack, secret="unused-here")
    _, url = slack.command("/flex", "help")
    fake_slack.wait_replies(url)
    assert DEFAULT_TOKEN not in caplog.text


def test_a_shared_teams_subscription_never_shows_or_keeps_the_workflow_url(
    make_teams_app, fake_slack, engine, monkeypatch
):
    use_policy(OutboundPolicy(resolve=lambda *a, **k: []))  # production policy, nothing resolved
    try:
        teams = make_teams_app()
        slack = SlackClientSide(teams.url, fake_slack, secret="unused-here")
        _, url = slack.command("/flex", f"alerts subscribe 07:30 in NG1 teams {URL}")
        [private] = fake_slack.wait_replies(url)
    finally:
        use_policy(None)
    shares = [e for b in private.get("blocks", []) if b["type"] == "actions"
              for e in b["elements"] if e["text"]["text"] == "Share to channel"]  # fmt: skip
    if shares:
        slack.click(shares[0]["action_id"], shares[0]["value"])
        [post] = fake_slack.wait_calls("chat.postMessage")
        assert SIG not in str(post.params) and "Teams alerts" in block_text(post.params)
    with engine.connect() as connection:
        saved = [str(row) for row in connection.execute(select(SavedAnswerRow.__table__))]
    assert SIG not in str(private) and not any(SIG in row for row in saved)
    assert shares and saved  # the confirmation is shareable, so it was kept: checked above
