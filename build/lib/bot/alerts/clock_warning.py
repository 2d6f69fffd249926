"""Warn at ``alerts subscribe`` when no clock is running: without one, alerts never arrive."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import Engine

from bot.storage.heartbeat import clock_is_stale
from flexcalc.reply import Reply

NO_CLOCK = (
    "Warning: no Flexcalc clock has run in the last 10 minutes, so alerts will not be posted "
    "until one does. Whoever runs Flexcalc: start the clock process (`flexcalc-bot clock`; "
    "see the admin guide, Operations)."
)


def with_clock_warning(reply: Reply, engine: Engine, now: datetime | None = None) -> Reply:
    """``reply`` with the warning first among its notes when no clock beat for 10 minutes."""
    if reply.is_error or not clock_is_stale(engine, now):
        return reply
    return replace(
        reply, notes=[NO_CLOCK, *reply.notes], data={**reply.data, "clock_running": False}
    )
