"""slack_sdk's SQLAlchemy installation store with the OAuth tokens encrypted at rest
(``bot.security.secrets``). Same tables and API; the token columns are Text, not slack_sdk's
String(200), since encrypted tokens are longer (migration 0004)."""

from __future__ import annotations

import copy
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, MetaData, Table, select, update

from bot.security.retention import cancel_erasure
from bot.security.secrets import decrypt, encrypt, reencrypt
from bot.security.tables import widen_token_columns

INSTALLATION_TOKENS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
BOT_TOKENS = ("bot_token", "bot_refresh_token")


def _with(entity: Any, fields: tuple[str, ...], change: Any) -> Any:
    changed = copy.copy(entity)
    for name in fields:
        setattr(changed, name, change(getattr(changed, name, None)))
    return changed


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """Tokens are encrypted before every save and decrypted in every entity read back."""

    @classmethod
    def build_installations_table(cls, metadata: MetaData, table_name: str) -> Table:
        return widen_token_columns(super().build_installations_table(metadata, table_name))

    @classmethod
    def build_bots_table(cls, metadata: MetaData, table_name: str) -> Table:
        return widen_token_columns(super().build_bots_table(metadata, table_name))

    def save(self, installation: Installation) -> None:
        super().save(_with(installation, INSTALLATION_TOKENS, encrypt))
        cancel_erasure(self.engine, installation.team_id or "")  # reinstalled: keep its data

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(_with(bot, BOT_TOKENS, encrypt))

    @classmethod
    def build_installation_entity(cls, row: Any) -> Installation:
        return _with(super().build_installation_entity(row), INSTALLATION_TOKENS, decrypt)

    @classmethod
    def build_bot_entity(cls, row: Any) -> Bot:
        return _with(super().build_bot_entity(row), BOT_TOKENS, decrypt)


def installation_store(client_id: str, engine: Engine) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(client_id=client_id, engine=engine)


def rotate_tokens(store: SQLAlchemyInstallationStore) -> int:
    """Re-encrypt every stored token with the newest key; the number of rows rewritten."""
    count = 0
    with store.engine.begin() as connection:
        for table, fields in ((store.installations, INSTALLATION_TOKENS), (store.bots, BOT_TOKENS)):
            for row in connection.execute(select(table)).mappings().all():
                values = {f: reencrypt(row[f]) for f in fields if row[f] is not None}
                if values:
                    connection.execute(
                        update(table).where(table.c.id == row["id"]).values(**values)
                    )
                    count += 1
    return count
