"""Data retention for workspaces that left: erasure scheduled, cancelled, carried out.

When a workspace uninstalls Flexcalc (or revokes its bot token) its alerts stop at once and its
data is erased ``retention()`` later (``FLEX_RETENTION_DAYS``, default 30): reinstalling within
that time cancels the erasure. ``purge_due`` (run by the clock's tick) erases every row of every
table with a ``team_id`` column for the workspaces whose time has come. Slack's events reach this
through ``bot.security.lifecycle``.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from bot.alerts import store
from bot.security import replay
from bot.security.tables import ScheduledErasure
from bot.storage.base import Base
from bot.storage.subscriptions import utcnow

log = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 30


def retention() -> timedelta:
    return timedelta(days=float(os.environ.get("FLEX_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS))


def workspace_left(engine: Engine, team_id: str, reason: str, now: datetime | None = None) -> int:
    """Stop the workspace's alerts and schedule its erasure; returns alerts stopped."""
    now = now or utcnow()
    note = f"Stopped: Flexcalc was removed from the workspace ({reason})."
    stopped = store.disable_team(engine, team_id, note)
    with Session(engine) as session, session.begin():
        row = session.get(ScheduledErasure, team_id)
        if row is None:
            session.add(ScheduledErasure(team_id=team_id, reason=reason, requested_at=now,
                                         erase_after=now + retention()))  # fmt: skip
    log.info("workspace %s left (%s): %d alert(s) stopped, erasure scheduled", team_id, reason,
             stopped)  # fmt: skip
    return stopped


def cancel_erasure(engine: Engine, team_id: str) -> bool:
    """The workspace came back (reinstalled): keep its data."""
    with Session(engine) as session, session.begin():
        return session.execute(
            delete(ScheduledErasure).where(ScheduledErasure.team_id == team_id)
        ).rowcount > 0  # fmt: skip


def erase_workspace(engine: Engine, team_id: str) -> int:
    """Delete every row about ``team_id`` in the app's tables; returns rows deleted."""
    deleted = store.remove(engine, team_id)  # subscriptions and their deliveries
    with Session(engine) as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            if "team_id" in table.c and table.name != ScheduledErasure.__tablename__:
                deleted += session.execute(
                    delete(table).where(table.c.team_id == team_id)
                ).rowcount  # fmt: skip
    return deleted


def purge_due(engine: Engine, now: datetime | None = None) -> list[str]:
    """Erase the workspaces whose retention period is over; their team ids. Also forgets the
    replay records older than their window (kept off the request path, ADR 0083)."""
    now = now or utcnow()
    replay.purge(engine, now)
    with Session(engine) as session:
        due = list(session.scalars(
            select(ScheduledErasure.team_id).where(ScheduledErasure.erase_after <= now)
        ))  # fmt: skip
    for team_id in due:
        rows = erase_workspace(engine, team_id)
        cancel_erasure(engine, team_id)
        log.info("erased workspace %s (%d rows) after its retention period", team_id, rows)
    return due


def channel_gone(engine: Engine, team_id: str, channel_id: str, event: str) -> int:
    """Disable the alerts posting into a deleted or archived channel."""
    what = "archived" if event.endswith("archive") else "deleted"
    return store.disable_channel(engine, team_id, channel_id, f"Stopped: the channel was {what}.")
