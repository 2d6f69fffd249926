"""Table definitions. Every row is scoped by workspace (``team_id``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base


class TariffSetting(Base):
    """Default tariff (tariff words, ``flexcalc.tariffs.spec``) of a workspace (``scope`` = ""),
    a channel (its id) or a person (``user:ID``)."""

    __tablename__ = "tariff_settings"
    __table_args__ = (UniqueConstraint("team_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    scope: Mapped[str] = mapped_column(String(64), default="")
    words: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class RegionSetting(Base):
    """Default region of a workspace (``channel_id`` = "") or of one channel."""

    __tablename__ = "region_settings"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(32), default="")
    region_letter: Mapped[str] = mapped_column(String(1))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


# Further tables (subscriptions, deliveries, clock lease, pledges) live in their own modules
# and are imported here so that init_db creates them.

import bot.security.tables  # noqa: E402  (replay ids, scheduled erasures, admin policy)
import bot.storage.advice  # noqa: E402  (issue 14: advice given and how it did)
import bot.storage.answers  # noqa: E402  (Slack front end: saved answers and charts)
import bot.storage.engagement  # noqa: E402  (issue 7: pledges, leaderboard opt-outs, digest days)
import bot.storage.heartbeat  # noqa: E402  (clock heartbeat: alerts subscribe, /readyz)
import bot.storage.subscriptions  # noqa: E402  (alert subscriptions, deliveries, clock lease)
import bot.storage.teams  # noqa: E402, F401  (Teams Workflows webhook URLs, kept secret)
