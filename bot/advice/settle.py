"""Scoring recorded advice once its span has passed (run on the clock tick; idempotent).

A row is scored by a conditional UPDATE (``pending`` -> ``scored``), so two clocks never both
score it. Rows of one region and tariff share one fetch of the actual data. Until the actual
data covers the chosen window the row waits; after ``GIVE_UP_AFTER`` it is closed as
``no_data`` (not counted).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import time
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from bot.storage.advice import NO_DATA, PENDING, SCORED, AdviceScore
from bot.storage.base import create_tables
from bot.storage.subscriptions import naive_utc, utcnow
from flexcalc import regions
from flexcalc.advice.actuals import actuals
from flexcalc.advice.scoring import Advice, Score, score
from flexcalc.sources.base import DataUnavailable
from flexcalc.timeslots import SLOT

log = logging.getLogger(__name__)

SETTLE_AFTER = pd.Timedelta(minutes=30)  # after the span ends: the grid publishes actuals
GIVE_UP_AFTER = pd.Timedelta(days=3)


def _utc(moment: Any) -> pd.Timestamp:
    return pd.Timestamp(moment).tz_localize("UTC")


def advice_of(row: AdviceScore) -> Advice:
    """The domain's view of a stored row."""
    start = _utc(row.window_start)
    if row.slot_offsets:
        slots = pd.DatetimeIndex([start + int(o) * SLOT for o in row.slot_offsets.split(",")])
    else:
        slots = pd.date_range(start, _utc(row.window_end), freq=SLOT, inclusive="left")
    between = None
    if row.between:
        a, b = row.between.split("-")
        between = (time.fromisoformat(a), time.fromisoformat(b))
    return Advice(
        slots=slots,
        span_start=_utc(row.span_start),
        span_end=_utc(row.span_end),
        between=between,
        split=bool(row.slot_offsets),
    )


def due(engine: Engine, now: pd.Timestamp, team_id: str | None = None) -> list[AdviceScore]:
    """Pending advice whose span ended ``SETTLE_AFTER`` ago (one workspace, or all)."""
    create_tables(engine)
    query = select(AdviceScore).where(
        AdviceScore.status == PENDING, AdviceScore.span_end <= naive_utc(now - SETTLE_AFTER)
    )
    if team_id is not None:
        query = query.where(AdviceScore.team_id == team_id)
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(query.order_by(AdviceScore.span_end)))


def _values(result: Score | None, status: str) -> dict[str, Any]:
    values: dict[str, Any] = {"status": status, "scored_at": utcnow()}
    if result is not None:
        values |= {
            "chosen_price": result.chosen_price,
            "best_price": result.best_price,
            "regret_p": result.regret_p,
            "chosen_carbon": result.chosen_carbon,
            "best_carbon": result.best_carbon,
            "regret_g": result.regret_g,
            "carbon_basis": result.carbon_basis,
        }
    return values


def _store(engine: Engine, outcomes: list[tuple[int, Score | None, str]]) -> int:
    """Record outcomes in one transaction; a row someone else settled meanwhile is skipped.
    Returns how many rows this call settled."""
    won = 0
    with engine.begin() as conn:
        for row_id, result, status in outcomes:
            won += conn.execute(
                update(AdviceScore)
                .where(AdviceScore.id == row_id, AdviceScore.status == PENDING)
                .values(**_values(result, status))
            ).rowcount
    return won


def _complete(result: Score | None) -> bool:
    return result is not None and result.regret_p is not None and result.regret_g is not None


def settle_due(engine: Engine, provider: Any, now: pd.Timestamp, team_id: str | None = None) -> int:
    """Score every due piece of advice whose actual data is in; returns how many this call
    settled (scored or closed as no data)."""
    groups: dict[tuple[str, str], list[AdviceScore]] = defaultdict(list)
    for row in due(engine, now, team_id):
        groups[(row.region_letter, row.tariff)].append(row)
    settled = 0
    for (letter, tariff), rows in groups.items():
        start = min(_utc(r.span_start) for r in rows)
        end = max(_utc(r.span_end) for r in rows)
        try:
            actual = actuals(provider, regions.by_letter(letter), tariff, start, end)
        except Exception as error:  # an outage (or a region/tariff no longer known): later
            level = logging.INFO if isinstance(error, DataUnavailable) else logging.WARNING
            log.log(level, "advice in %s on %r: no actual data (%s)", letter, tariff, error)
            stale = [r for r in rows if now - _utc(r.span_end) >= 2 * GIVE_UP_AFTER]
            settled += _store(engine, [(r.id, None, NO_DATA) for r in stale])
            continue
        outcomes = []
        for row in rows:
            result = score(advice_of(row), actual)
            late = now - _utc(row.span_end) >= GIVE_UP_AFTER
            if not _complete(result) and not late:
                continue  # part of the actual data isn't in yet
            outcomes.append((row.id, result, SCORED if result is not None else NO_DATA))
        settled += _store(engine, outcomes)
    return settled


def settle_finished(engine: Engine, provider: Any, now: pd.Timestamp) -> int:
    """Every workspace's due advice (the clock's hook); never raises."""
    try:
        return settle_due(engine, provider, now)
    except Exception:
        log.exception("scoring advice failed; will retry next tick")
        return 0
