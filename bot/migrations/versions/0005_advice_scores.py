"""Advice scores (issue 14): every recommended window, and how it did once its span passed.

Written on top of 0003; the integrator re-chains it after 0004 (security's token columns) at
merge. Adoptive like the others: a database made by ``create_all`` already has the table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("advice_scores"):
        return
    op.create_table(
        "advice_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("tariff", sa.String(length=500), nullable=False),
        sa.Column("region_letter", sa.String(length=1), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("window_end", sa.DateTime(), nullable=False),
        sa.Column("slot_offsets", sa.String(length=200), nullable=False),
        sa.Column("span_start", sa.DateTime(), nullable=False),
        sa.Column("span_end", sa.DateTime(), nullable=False),
        sa.Column("between", sa.String(length=11), nullable=False),
        sa.Column("advised_at", sa.DateTime(), nullable=False),
        sa.Column("from_forecast", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=True),
        sa.Column("chosen_price", sa.Float(), nullable=True),
        sa.Column("best_price", sa.Float(), nullable=True),
        sa.Column("regret_p", sa.Float(), nullable=True),
        sa.Column("chosen_carbon", sa.Float(), nullable=True),
        sa.Column("best_carbon", sa.Float(), nullable=True),
        sa.Column("regret_g", sa.Float(), nullable=True),
        sa.Column("carbon_basis", sa.String(length=24), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_advice_scores_team_id", "advice_scores", ["team_id"])
    op.create_index("ix_advice_scores_span_end", "advice_scores", ["span_end"])
    op.create_index("ix_advice_scores_advised_at", "advice_scores", ["advised_at"])
    op.create_index("ix_advice_scores_status", "advice_scores", ["status"])


def downgrade() -> None:
    op.drop_table("advice_scores")
