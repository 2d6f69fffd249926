"""The Home tab's "Your pledges": what the user's kept pledges saved and the upcoming ones,
each with a Cancel button (this workspace only)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.engagement import blocks, pledges
from bot.storage.engagement import SETTLED, Pledge, ensure_tables


def home_blocks(
    engine: Engine, team_id: str, user_id: str, now: pd.Timestamp
) -> list[dict[str, Any]]:
    ensure_tables(engine)
    with Session(engine) as session:
        kept, kg, gbp = session.execute(
            select(func.count(Pledge.id), func.sum(Pledge.saved_kg), func.sum(Pledge.saved_gbp))
            .where(Pledge.team_id == team_id, Pledge.user_id == user_id)
            .where(Pledge.status == SETTLED)
        ).one()
    upcoming = pledges.upcoming(engine, team_id, user_id, now)
    return blocks.home_section(upcoming, float(kg or 0), float(gbp or 0), int(kept or 0))
