"""Answers kept for a while so that "Share to channel" can repost them and charts can be served.

Each saved answer has an unguessable token (``secrets.token_urlsafe``) and an expiry; the chart
endpoint ``GET /charts/<token>.png`` and the share button only know the token.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Engine, LargeBinary, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.security.redaction import redact, redact_any
from bot.storage.base import Base

DEFAULT_TTL = timedelta(days=7)


class SavedAnswerRow(Base):
    """One rendered answer (Block Kit JSON) and its chart PNG."""

    __tablename__ = "saved_answers"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    command: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    blocks_json: Mapped[str] = mapped_column(Text, default="[]")
    chart_png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    chart_title: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class SavedAnswer:
    token: str
    team_id: str
    command: str
    text: str
    blocks: list[dict[str, Any]]
    chart_png: bytes | None
    chart_title: str


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def new_token() -> str:
    """An unguessable URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def save_answer(
    engine: Engine,
    *,
    token: str,
    team_id: str,
    command: str,
    text: str,
    blocks: list[dict[str, Any]],
    chart_png: bytes | None,
    chart_title: str = "",
    ttl: timedelta = DEFAULT_TTL,
) -> None:
    """Keep an answer under ``token`` until ``ttl`` from now (also purges expired ones)."""
    with Session(engine) as session, session.begin():
        session.execute(delete(SavedAnswerRow).where(SavedAnswerRow.expires_at < _now()))
        session.add(
            SavedAnswerRow(
                token=token,
                team_id=team_id,
                command=redact(command),  # never a secret (a workflow URL's sig=, a token)
                text=redact(text),
                blocks_json=json.dumps(redact_any(blocks)),
                chart_png=chart_png,
                chart_title=chart_title,
                expires_at=_now() + ttl,
            )
        )


def attach_chart(engine: Engine, token: str, png: bytes) -> None:
    """Add the chart drawn after the answer was posted (so sharing includes it)."""
    with Session(engine) as session, session.begin():
        row = session.get(SavedAnswerRow, token)
        if row is not None:
            row.chart_png = png


def load_answer(engine: Engine, token: str) -> SavedAnswer | None:
    """The answer saved under ``token``, or None if unknown or expired."""
    with Session(engine) as session:
        row = session.scalars(select(SavedAnswerRow).where(SavedAnswerRow.token == token)).first()
        if row is None or _aware(row.expires_at) < _now():
            return None
        return SavedAnswer(
            token=row.token,
            team_id=row.team_id,
            command=row.command,
            text=row.text,
            blocks=json.loads(row.blocks_json),
            chart_png=row.chart_png,
            chart_title=row.chart_title,
        )


def load_chart(engine: Engine, token: str) -> bytes | None:
    """The chart PNG saved under ``token`` (None if unknown, expired or without a chart)."""
    answer = load_answer(engine, token)
    return answer.chart_png if answer else None
