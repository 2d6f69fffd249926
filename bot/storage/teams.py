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

from bot.storage.db import Base
from bot.storage.subscriptions import utcnow

PREFIX = "teams:"


class TeamsDestination(Base):
    """One Workflows webhook URL ("When a Teams webhook request is received")."""

    __tablename__ = "teams_destinations"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)  # who registered it
    origin: Mapped[str] = mapped_column(String(64), default="")  # channel it was registered from
    url: Mapped[str] = mapped_column(Text)  # the secret
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def destination_key(url: str) -> str:
    """The stable, non-secret key of a webhook URL (``teams:`` + 26 hex chars)."""
    return PREFIX + hashlib.sha256(url.strip().encode()).hexdigest()[:26]


def is_teams(channel_id: str) -> bool:
    """True when an alert subscription's channel is a Teams destination."""
    return channel_id.startswith(PREFIX)


def mask(url: str) -> str:
    """``https://prod-12.westeurope…/…a1b2``: enough to recognise, useless to post with."""
    parts = urlsplit(url.strip())
    labels = (parts.hostname or "").split(".")
    host = ".".join(labels[:2]) if len(labels) > 2 else labels[0]
    return f"{parts.scheme or 'https'}://{host}…/…{url.strip()[-4:]}"


def save_destination(engine: Engine, url: str, *, team_id: str, origin: str = "") -> str:
    """Store (or re-register) a webhook URL; returns its key."""
    key = destination_key(url)
    with Session(engine) as session, session.begin():
        row = session.get(TeamsDestination, key)
        if row is None:
            session.add(TeamsDestination(key=key, team_id=team_id, origin=origin, url=url.strip()))
        else:
            row.team_id, row.origin = team_id, origin or row.origin
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
