"""Teams Workflows webhook URLs, stored as secrets and referred to by a short key.

An alert subscription that posts to Teams has ``channel_id = destination_key(url)``
(``teams:`` + 26 hex chars of the URL's SHA-256, fits the 32-character column); the URL itself
lives only here. It is never logged and never shown back in full: use ``mask``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import DateTime, Engine, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.security.encrypted_column import EncryptedText
from bot.storage.base import Base
from bot.storage.subscriptions import utcnow

PREFIX = "teams:"  # a Workflows webhook URL
BOT_PREFIX = "tmsbot:"  # a conversation the Agents SDK bot was talked to in (bot.teams.agent)


class TeamsDestination(Base):
    """One Workflows webhook URL ("When a Teams webhook request is received")."""

    __tablename__ = "teams_destinations"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)  # who registered it
    origin: Mapped[str] = mapped_column(String(64), default="")  # channel it was registered from
    url: Mapped[str] = mapped_column(EncryptedText)  # the secret, encrypted (bot.security)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def destination_key(url: str) -> str:
    """The stable, non-secret key of a webhook URL (``teams:`` + 26 hex chars)."""
    return PREFIX + hashlib.sha256(url.strip().encode()).hexdigest()[:26]


def is_teams(channel_id: str) -> bool:
    """True when an alert subscription's channel is a Teams destination (either kind)."""
    return channel_id.startswith((PREFIX, BOT_PREFIX))


def is_bot_conversation(channel_id: str) -> bool:
    return channel_id.startswith(BOT_PREFIX)


def mask(url: str) -> str:
    """``https://prod-12.westeurope…/…a1b2``: enough to recognise, useless to post with."""
    parts = urlsplit(url.strip())
    labels = (parts.hostname or "").split(".")
    host = ".".join(labels[:2]) if len(labels) > 2 else labels[0]
    return f"{parts.scheme or 'https'}://{host}…/…{url.strip()[-4:]}"


class TakenByAnotherWorkspace(ValueError):
    """The URL is registered by another workspace: it stays theirs (isolation)."""


def save_destination(engine: Engine, url: str, *, team_id: str, origin: str = "") -> str:
    """Store (or re-register, same workspace only) a webhook URL; returns its key.

    Raises ``TakenByAnotherWorkspace`` when another workspace registered it first.
    """
    key = destination_key(url)
    with Session(engine) as session, session.begin():
        row = session.get(TeamsDestination, key)
        if row is None:
            session.add(TeamsDestination(key=key, team_id=team_id, origin=origin, url=url.strip()))
        elif row.team_id != team_id:
            raise TakenByAnotherWorkspace(key)
        else:
            row.origin = origin or row.origin
    return key


def destination_url(engine: Engine, key: str) -> str | None:
    """The secret URL behind ``key`` (None if unknown)."""
    with Session(engine) as session:
        row = session.get(TeamsDestination, key)
        return row.url if row else None


def destinations(engine: Engine, *, team_id: str | None = None, origin: str | None = None):
    """(key, masked URL, team_id, origin) of stored destinations, optionally filtered."""
    query = select(TeamsDestination).order_by(TeamsDestination.created_at)
    if team_id is not None:
        query = query.where(TeamsDestination.team_id == team_id)
    if origin is not None:
        query = query.where(TeamsDestination.origin == origin)
    with Session(engine) as session:
        return [(r.key, mask(r.url), r.team_id, r.origin) for r in session.scalars(query)]


def forget(engine: Engine, key: str) -> bool:
    """Delete a destination's URL (its subscriptions are removed by the caller)."""
    with Session(engine) as session, session.begin():
        return (
            session.execute(delete(TeamsDestination).where(TeamsDestination.key == key)).rowcount
            > 0
        )


class TeamsConversation(Base):
    """A Teams conversation reference (JSON) for proactive posts by the Agents SDK bot."""

    __tablename__ = "teams_conversations"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    reference: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


def conversation_key(conversation_id: str) -> str:
    """``tmsbot:`` + 25 hex chars of the conversation id's SHA-256 (fits 32 characters)."""
    return BOT_PREFIX + hashlib.sha256(conversation_id.encode()).hexdigest()[:25]


def save_conversation(engine: Engine, reference: str, *, team_id: str) -> str:
    """Store (or refresh) a conversation reference; returns its key."""
    import json

    conversation = (json.loads(reference).get("conversation") or {}).get("id", "")
    key = conversation_key(conversation)
    with Session(engine) as session, session.begin():
        row = session.get(TeamsConversation, key)
        if row is None:
            session.add(TeamsConversation(key=key, team_id=team_id, reference=reference))
        else:
            row.team_id, row.reference = team_id, reference
    return key


def conversations(engine: Engine, team_id: str) -> list[str]:
    """The keys of the bot conversations stored for one team (``Where.team_id``)."""
    query = select(TeamsConversation.key).where(TeamsConversation.team_id == team_id)
    with Session(engine) as session:
        return list(session.scalars(query))


def conversation_reference(engine: Engine, key: str) -> str | None:
    with Session(engine) as session:
        row = session.get(TeamsConversation, key)
        return row.reference if row else None
