"""Default region per workspace and per channel; default tariff per person, channel, workspace."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.storage.models import RegionSetting, TariffSetting


def get_region(engine: Engine, team_id: str, channel_id: str | None = None) -> str | None:
    """The channel's region letter, else the workspace's, else None."""
    with Session(engine) as session:
        rows = session.scalars(
            select(RegionSetting).where(
                RegionSetting.team_id == team_id,
                RegionSetting.channel_id.in_([channel_id or "", ""]),
            )
        ).all()
    by_channel = {row.channel_id: row.region_letter for row in rows}
    return by_channel.get(channel_id or "") or by_channel.get("")


def set_region(engine: Engine, team_id: str, letter: str, channel_id: str | None = None) -> None:
    """Store the default region of a channel (or of the workspace when channel_id is None)."""
    with Session(engine) as session, session.begin():
        row = session.scalars(
            select(RegionSetting).where(
                RegionSetting.team_id == team_id,
                RegionSetting.channel_id == (channel_id or ""),
            )
        ).one_or_none()
        if row is None:
            session.add(
                RegionSetting(team_id=team_id, channel_id=channel_id or "", region_letter=letter)
            )
        else:
            row.region_letter = letter


def tariff_words(
    engine: Engine, team_id: str, scopes: list[str], words: str | None = None
) -> str | None:
    """With ``words``: store them as the tariff of ``scopes[0]``. Returns the tariff words of the
    first of ``scopes`` that has one (person ``user:ID``, channel id, workspace "")."""
    with Session(engine) as session, session.begin():
        rows = session.scalars(
            select(TariffSetting).where(
                TariffSetting.team_id == team_id, TariffSetting.scope.in_(scopes)
            )
        ).all()
        by_scope = {row.scope: row for row in rows}
        if words is not None:
            row = by_scope.get(scopes[0])
            if row is None:
                row = TariffSetting(team_id=team_id, scope=scopes[0], words=words)
                session.add(row)
            row.words = words
            by_scope[scopes[0]] = row
        return next((by_scope[s].words for s in scopes if s in by_scope), None)


def tariff_words_of_teams(engine: Engine, team_ids: set[str]) -> dict[tuple[str, str], str]:
    """Every stored default tariff of ``team_ids``, by (team id, scope), in one query (the
    alerts clock reads them once per tick)."""
    if not team_ids:
        return {}
    with Session(engine) as session:
        rows = session.scalars(select(TariffSetting).where(TariffSetting.team_id.in_(team_ids)))
        return {(row.team_id, row.scope): row.words for row in rows}
