"""Advice given, and how it did (issue 14): one row per recommended window.

Every ``bestslot`` answer and every daily/tomorrow alert that recommends a window records it
here (no message text: ids, the window, the span searched, the tariff). Once the span has passed
the clock scores it (``bot.advice.settle``). Rows are scoped by workspace (``team_id``); the
asker's rows carry ``user_id`` so ``my data`` and workspace erasure cover them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base
from bot.storage.subscriptions import utcnow

PENDING = "pending"  # recorded; its span hasn't passed or its actual data isn't in yet
SCORED = "scored"
NO_DATA = "no_data"  # the actual data never arrived; not counted

ANSWER = "answer"  # a bestslot answer
ALERT = "alert"  # a daily or tomorrow alert


class AdviceScore(Base):
    """One recommended window, and (once scored) its regret against the best in hindsight."""

    __tablename__ = "advice_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # the same advice recorded once
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(32), default="")
    user_id: Mapped[str] = mapped_column(String(32), default="")  # "" for a channel's alert
    source: Mapped[str] = mapped_column(String(16))  # answer | alert
    metric: Mapped[str] = mapped_column(String(16))  # price | carbon | balanced
    tariff: Mapped[str] = mapped_column(String(500), default="")  # tariff words ("": Agile)
    region_letter: Mapped[str] = mapped_column(String(1))
    window_start: Mapped[datetime] = mapped_column(DateTime)
    window_end: Mapped[datetime] = mapped_column(DateTime)
    slot_offsets: Mapped[str] = mapped_column(String(200), default="")  # split: "0,1,5"
    span_start: Mapped[datetime] = mapped_column(DateTime)
    span_end: Mapped[datetime] = mapped_column(DateTime, index=True)
    between: Mapped[str] = mapped_column(String(11), default="")  # "22:00-07:00" (UK)
    advised_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    from_forecast: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    scored_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    chosen_price: Mapped[float | None] = mapped_column(Float, nullable=True)
    best_price: Mapped[float | None] = mapped_column(Float, nullable=True)
    regret_p: Mapped[float | None] = mapped_column(Float, nullable=True)
    chosen_carbon: Mapped[float | None] = mapped_column(Float, nullable=True)
    best_carbon: Mapped[float | None] = mapped_column(Float, nullable=True)
    regret_g: Mapped[float | None] = mapped_column(Float, nullable=True)
    carbon_basis: Mapped[str] = mapped_column(String(24), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
