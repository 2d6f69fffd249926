"""Replay protection: each Slack and Teams request is acted on once.

A request's identity (Slack: ``event_id`` for events, ``trigger_id`` for commands and
interactions; Teams: the activity ``id``) is recorded in ``seen_requests`` for ``WINDOW``; a
second request with the same identity within the window is acknowledged and dropped. Slack's
signature already refuses anything older than 5 minutes and Teams activities older than
``MAX_AGE`` are refused here, so the window covers every replay that could still be accepted.
This is also the one place Slack redeliveries (``X-Slack-Retry-Num``) are deduplicated: a retry
carries the same ``event_id``.

This is the one deduplication owner for every door (ADR 0083): the Slack middleware
(``bot.security.slack_replay``), the Teams outgoing webhook and the Teams bot (``/api/messages``)
ask it, and the job queue enqueues whatever it lets through. On the request path it costs one
INSERT (a conditional UPDATE when an expired record is reused); expired records are deleted by
the clock's tick (``purge``, from ``bot.security.retention.purge_due``), never on a request.

Without a database (``engine=None``) the record is kept in the process's memory.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.security.tables import SeenRequest

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
MAX_AGE = timedelta(minutes=10)  # Teams activities older than this are refused outright
MAX_SKEW = timedelta(minutes=5)  # ...and so are those from the future


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class ReplayGuard:
    """``first_time(kind, id)``: True once per identity within the window."""

    def __init__(self, engine: Engine | None, window: timedelta = WINDOW) -> None:
        self.engine = engine
        self.window = window
        self._memory: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def first_time(self, kind: str, identity: str, now: datetime | None = None) -> bool:
        now = now or _now()
        key = f"{kind}:" + hashlib.sha256(identity.encode()).hexdigest()[: 62 - len(kind)]
        if self.engine is None:
            return self._first_in_memory(key, now)
        try:
            with Session(self.engine) as session:
                session.add(SeenRequest(key=key, seen_at=now))
                try:
                    session.commit()
                    return True
                except IntegrityError:
                    session.rollback()
                # seen before: a first time again only if that record has expired (not purged yet)
                renewed = session.execute(
                    update(SeenRequest)
                    .where(SeenRequest.key == key, SeenRequest.seen_at < now - self.window)
                    .values(seen_at=now)
                ).rowcount
                session.commit()
                return renewed == 1
        except SQLAlchemyError:  # database down or locked: this process's memory still dedupes
            log.warning("replay table unavailable; deduplicating in memory", exc_info=True)
            return self._first_in_memory(key, now)

    def _first_in_memory(self, key: str, now: datetime) -> bool:
        with self._lock:
            for old in [k for k, at in self._memory.items() if at < now - self.window]:
                del self._memory[old]
            if key in self._memory:
                return False
            self._memory[key] = now
            return True


def purge(engine: Engine, now: datetime | None = None, window: timedelta = WINDOW) -> int:
    """Delete the records older than the window (the clock's tick); returns rows deleted."""
    now = now or _now()
    with Session(engine) as session, session.begin():
        expired = delete(SeenRequest).where(SeenRequest.seen_at < now - window)
        return session.execute(expired).rowcount


def teams_activity_refusal(
    guard: ReplayGuard,
    activity: dict[str, Any],
    now: datetime | None = None,
    *,
    max_age: timedelta = MAX_AGE,
    undated: bool = False,
) -> str | None:
    """Why a (signed) Teams activity must not be acted on: stale, from the future, without an id,
    or already seen; None when it is new.

    The outgoing webhook's HMAC carries no time, so its activities must be dated and recent
    (``MAX_AGE``). The bot's JWT expires by itself: there ``undated=True`` accepts an activity
    without a timestamp and ``max_age=WINDOW`` refuses only what the window could have forgotten.
    """
    now = now or _now()
    if undated and not activity.get("timestamp"):
        return _seen_before(guard, activity, now)
    try:  # ISO 8601 as Teams sends it ("…T19:25:10.8476471Z"); 3.11 reads any fraction
        at = datetime.fromisoformat(str(activity.get("timestamp") or ""))
    except ValueError:
        return "no timestamp"
    if at.tzinfo is not None:  # naive UTC, like ``now``
        at = at.astimezone(UTC).replace(tzinfo=None)
    if at < now - max_age or at > now + MAX_SKEW:
        return "stale"
    return _seen_before(guard, activity, now)


def _seen_before(guard: ReplayGuard, activity: dict[str, Any], now: datetime) -> str | None:
    identity = str(activity.get("id") or "")
    if not identity:
        return "no id"
    conversation = str((activity.get("conversation") or {}).get("id", ""))
    return None if guard.first_time("teams", f"{conversation}/{identity}", now) else "replayed"
