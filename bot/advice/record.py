"""Recording advice: the window a ``bestslot`` answer or a daily alert recommended.

Only ids, the window and the span searched are kept (never message text). The same advice
(same asker, window, span and tariff) is stored once, however often it is shown: the answer and
its chart drawn afterwards, or a Home tab opened twice in a half-hour. Recording never fails an
answer: a database problem is logged and the answer goes out anyway.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.storage.advice import ALERT, ANSWER, AdviceScore
from bot.storage.subscriptions import naive_utc
from flexcalc.timeslots import SLOT

log = logging.getLogger(__name__)

HEADLINE = {"both": ("balanced", "Balanced"), "price": ("price", "Cheapest"),
            "carbon": ("carbon", "Greenest")}  # fmt: skip
METRICS = {"balanced": "balanced", "price": "price", "carbon": "carbon"}


@dataclass(frozen=True)
class Given:
    """One recommended window, as recorded."""

    team_id: str
    channel_id: str
    user_id: str
    source: str  # answer | alert
    metric: str  # price | carbon | balanced
    tariff: str
    region_letter: str
    slots: pd.DatetimeIndex
    span_start: pd.Timestamp
    span_end: pd.Timestamp
    between: str
    advised_at: pd.Timestamp
    from_forecast: bool

    @property
    def key(self) -> str:
        parts = [self.team_id, self.channel_id, self.user_id, self.source, self.metric,
                 self.tariff, self.region_letter, ",".join(s.isoformat() for s in self.slots),
                 self.span_start.isoformat(), self.span_end.isoformat(), self.between]  # fmt: skip
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def offsets(self) -> str:
        """ "" for a contiguous window; else the chosen half-hours' offsets from its start."""
        steps = [int((s - self.slots[0]) / SLOT) for s in self.slots]
        return "" if steps == list(range(len(steps))) else ",".join(map(str, steps))[:200]


def _stamp(text: str) -> pd.Timestamp:
    stamp = pd.Timestamp(text)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _forecast_from(data: Mapping[str, Any]) -> pd.Timestamp | None:
    """Where published prices stopped (forecast prices follow), if the answer used a forecast."""
    outlook = data.get("price_forecast") or {}
    until = outlook.get("published_until") if isinstance(outlook, Mapping) else None
    return _stamp(until) if until else None


def save(engine: Engine, given: Given) -> bool:
    """Store ``given`` unless the same advice is stored already; True if this call stored it."""
    key = given.key
    try:
        with Session(engine) as session, session.begin():
            if session.scalar(select(AdviceScore.id).where(AdviceScore.key == key)) is not None:
                return False
            session.add(
                AdviceScore(
                    key=key,
                    team_id=given.team_id,
                    channel_id=given.channel_id,
                    user_id=given.user_id,
                    source=given.source,
                    metric=given.metric,
                    tariff=given.tariff,
                    region_letter=given.region_letter,
                    window_start=naive_utc(given.slots[0]),
                    window_end=naive_utc(given.slots[-1] + SLOT),
                    slot_offsets=given.offsets(),
                    span_start=naive_utc(given.span_start),
                    span_end=naive_utc(given.span_end),
                    between=given.between,
                    advised_at=naive_utc(given.advised_at),
                    from_forecast=given.from_forecast,
                )
            )
        return True
    except IntegrityError:  # another process stored the same advice a moment ago
        return False
    except SQLAlchemyError:
        log.warning("could not record advice for scoring", exc_info=True)
        return False


def from_answer(
    data: Mapping[str, Any],
    *,
    team_id: str,
    channel_id: str | None,
    user_id: str | None,
    tariff: str,
    now: pd.Timestamp,
) -> Given | None:
    """The headline window of a ``bestslot`` answer's ``data`` (None: nothing to score)."""
    if data.get("command") != "bestslot" or data.get("objective") not in HEADLINE:
        return None
    metric, label = HEADLINE[data["objective"]]
    window = (data.get("windows") or {}).get(label)
    searched = data.get("searched")
    if not window or not searched or not window.get("slots"):
        return None
    slots = pd.DatetimeIndex([_stamp(s) for s in window["slots"]])
    return Given(
        team_id=team_id,
        channel_id=channel_id or "",
        user_id=user_id or "",
        source=ANSWER,
        metric=metric,
        tariff=tariff,
        region_letter=str(data.get("region") or ""),
        slots=slots,
        span_start=_stamp(searched["start"]),
        span_end=_stamp(searched["end"]),
        between=searched.get("between") or "",
        advised_at=now,
        from_forecast=label in (data.get("forecast_windows") or []),
    )


def from_alert(
    data: Mapping[str, Any],
    *,
    team_id: str,
    channel_id: str,
    tariff: str,
    span: tuple[pd.Timestamp, pd.Timestamp],
    now: pd.Timestamp,
) -> list[Given]:
    """Every window a daily/tomorrow alert recommended (one per load length)."""
    metric = METRICS.get(str(data.get("objective")))
    if metric is None:
        return []
    published_until = _forecast_from(data)
    found = []
    for window in (data.get("windows") or {}).values():
        if not window:
            continue
        start, end = _stamp(window["start"]), _stamp(window["end"])
        slots = pd.date_range(start, end, freq=SLOT, inclusive="left")
        found.append(
            Given(
                team_id=team_id,
                channel_id=channel_id,
                user_id="",
                source=ALERT,
                metric=metric,
                tariff=tariff,
                region_letter=str(data.get("region") or ""),
                slots=slots,
                span_start=span[0],
                span_end=span[1],
                between="",
                advised_at=now,
                from_forecast=published_until is not None and end > published_until,
            )
        )
    return found


def save_alert(
    engine: Engine, sub: Any, data: Mapping[str, Any], searched: pd.DataFrame, now: pd.Timestamp
) -> int:
    """Record a posted daily/tomorrow alert's windows (``searched``: the rows it looked at).
    Returns how many were new; never raises."""
    if searched.empty:
        return 0
    try:
        span = (searched.index[0], searched.index[-1] + SLOT)
        tariff = data.get("tariff")
        found = from_alert(
            data,
            team_id=sub.team_id,
            channel_id=sub.channel_id,
            tariff=tariff if isinstance(tariff, str) else "",
            span=span,
            now=now,
        )
        return sum(save(engine, given) for given in found)
    except Exception:  # the alert is posted; scoring it is a bonus
        log.warning("could not record alert %s's advice", getattr(sub, "id", "?"), exc_info=True)
        return 0


def forget(engine: Engine, team_id: str, user_id: str) -> int:
    """Delete the advice recorded for ``user_id`` in ``team_id`` (``forget me``); how many."""
    with engine.begin() as conn:
        return conn.execute(
            delete(AdviceScore).where(
                AdviceScore.team_id == team_id, AdviceScore.user_id == user_id
            )
        ).rowcount
