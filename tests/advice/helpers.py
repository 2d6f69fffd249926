"""Small helpers shared by the advice tests."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.advice import record, settle
from bot.storage.advice import AdviceScore
from flexcalc.sources.sample import SampleProvider

HALF = pd.Timedelta(minutes=30)


def answer_to(fake, url: str, timeout: float = 60.0) -> dict:
    """The answer sent to a response_url (a "Still working on it" notice on a busy machine is
    skipped)."""

    def found(slack):
        done = [r for r in slack.replies(url) if not r["text"].startswith("Still working")]
        return done[0] if done else None

    return fake.wait_for(found, timeout)


def advise(engine, team: str, start: str, hours: int, *, forecast: bool = False) -> None:
    """A recorded piece of advice, asked at 16:30 UTC the day before ``start`` with a 28 h
    span, then scored with the sample's history."""
    first = pd.Timestamp(start, tz="UTC")
    asked = first.normalize() - pd.Timedelta(hours=7, minutes=30)
    given = record.Given(
        team_id=team, channel_id="C0GENERAL", user_id="U0ALICE", source="answer",
        metric="price", tariff="", region_letter="C",
        slots=pd.date_range(first, first + hours * 2 * HALF, freq=HALF, inclusive="left"),
        span_start=asked, span_end=asked + pd.Timedelta(hours=28), between="",
        advised_at=asked, from_forecast=forecast,
    )  # fmt: skip
    assert record.save(engine, given)
    settle.settle_due(engine, SampleProvider(), asked + pd.Timedelta(days=2), team)


def scored_regrets(engine, team: str) -> list[float]:
    with Session(engine) as session:
        rows = session.scalars(select(AdviceScore).where(AdviceScore.team_id == team)).all()
        assert all(r.status == "scored" for r in rows)
        return [r.regret_p for r in rows]
