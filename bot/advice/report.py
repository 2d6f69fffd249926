"""The ``accuracy`` answer and the weekly digest's line, from one workspace's scored advice."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.advice import settle
from bot.storage.advice import PENDING, SCORED, AdviceScore
from bot.storage.base import create_tables
from bot.storage.subscriptions import naive_utc
from flexcalc.advice.accuracy import PERIODS, Scored, accuracy_reply, line, summarise
from flexcalc.reply import Reply

log = logging.getLogger(__name__)


def scored(engine: Engine, team_id: str, start: pd.Timestamp, end: pd.Timestamp) -> list[Scored]:
    """The workspace's scored advice whose window started in [start, end)."""
    create_tables(engine)
    query = select(AdviceScore).where(
        AdviceScore.team_id == team_id,
        AdviceScore.status == SCORED,
        AdviceScore.window_start >= naive_utc(start),
        AdviceScore.window_start < naive_utc(end),
    )
    with Session(engine) as session:
        return [
            Scored(r.metric, r.from_forecast, r.regret_p, r.regret_g)
            for r in session.scalars(query)
        ]


def pending(engine: Engine, team_id: str) -> int:
    with Session(engine) as session:
        return (
            session.scalar(
                select(func.count()).where(
                    AdviceScore.team_id == team_id, AdviceScore.status == PENDING
                )
            )
            or 0
        )


def accuracy(
    engine: Engine, provider: Any, team_id: str, now: pd.Timestamp, headline: str = "week"
) -> Reply:
    """How the workspace's advice did over the last 7 and 30 days (its due advice scored
    first, so the answer is as fresh as the data allows)."""
    try:
        settle.settle_due(engine, provider, now, team_id)
    except Exception:  # the answer still shows what was scored before
        log.exception("scoring %s's advice on request failed", team_id)
    periods = {
        name: scored(engine, team_id, now - pd.Timedelta(days=days), now)
        for name, days in PERIODS.items()
    }
    return accuracy_reply(periods, headline, pending(engine, team_id))


def digest_line(engine: Engine, team_id: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
    """The digest's "How our advice did" line for advice given in [start, end)."""
    return line(summarise(scored(engine, team_id, start, end)))
