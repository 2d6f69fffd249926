"""Widen slack_sdk's OAuth token columns to Text (issue 11).

slack_sdk declares bot_token, bot_refresh_token, user_token and user_refresh_token as
String(200). Tokens are stored encrypted (Fernet, ``bot.security.secrets``): a rotating
``xoxe.xoxb-`` token becomes 300+ characters, which PostgreSQL refuses in a VARCHAR(200).
Batch mode, so SQLite (which cannot ALTER a column's type) copies the table instead.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = {
    "slack_bots": ("bot_token", "bot_refresh_token"),
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
}


def _change(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=new, existing_type=old, existing_nullable=True)


def upgrade() -> None:
    _change(sa.String(length=200), sa.Text())


def downgrade() -> None:
    _change(sa.Text(), sa.String(length=200))  # fails if a longer token is stored: keep 0004
