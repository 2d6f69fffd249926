"""What the alerts clock does for engagement: weekly digests that are due, their content, and
settling finished pledges. Called from ``bot.alerts.fanout.Clock`` (three small hooks), so the
digest is claimed, posted and recorded exactly once like every alert."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from bot.engagement import digests, settle
from bot.storage.engagement import DIGEST
from flexcalc.reply import Reply

log = logging.getLogger(__name__)

__all__ = ["DIGEST", "digest_reply", "due_digests", "settle_finished"]


def due_digests(engine: Engine, subs: Sequence[Any], now: pd.Timestamp) -> list[tuple[Any, date]]:
    """(subscription, local date) for every live digest subscription due at ``now``."""
    mine = [s for s in subs if s.kind == DIGEST]
    days = digests.weekdays(engine, [s.id for s in mine])
    out = []
    for sub in mine:
        if sub.id not in days:
            continue
        day = digests.due_date(sub.at_time, days[sub.id], now)
        if day is not None:
            out.append((sub, day))
    return out


def digest_reply(engine: Engine, provider: Any, clients: Any, sub: Any, now: pd.Timestamp) -> Reply:
    """The digest for the subscription's workspace (its finished pledges settled first)."""
    settle.settle_due(engine, provider, now, team_id=sub.team_id, client_for=clients.for_team)
    return digests.build(engine, provider, sub.team_id, sub.region_letter, now)


def settle_finished(engine: Engine, provider: Any, clients: Any, now: pd.Timestamp) -> int:
    """Settle every workspace's finished pledges and DM the savings; never raises."""
    try:
        return len(settle.settle_due(engine, provider, now, client_for=clients.for_team))
    except Exception:
        log.exception("settling pledges failed; will retry next tick")
        return 0
