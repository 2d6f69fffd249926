"""Settling pledges after their window: the real saving, stored once, and a DM to the user.

Run by the clock for every workspace, and on demand (one workspace) when ``/flex impact`` runs.
A pledge is settled by a conditional UPDATE (``pledged`` -> ``settled``), so two processes never
both settle or both announce the same pledge. If the prices for the window aren't available yet
it waits; after ``GIVE_UP_AFTER`` without data it is closed as ``no_data`` (not counted).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pandas as pd
from slack_sdk import WebClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from bot.engagement import blocks
from bot.engagement.pledges import PledgeInfo
from bot.storage.engagement import NO_DATA, PLEDGED, SETTLED, Pledge, ensure_tables
from bot.storage.subscriptions import naive_utc, utcnow
from flexcalc import regions
from flexcalc.engagement import Saving, pledge_saving
from flexcalc.sources.base import DataUnavailable

log = logging.getLogger(__name__)

GIVE_UP_AFTER = pd.Timedelta(days=3)
SETTLE_AFTER = pd.Timedelta(minutes=30)  # after both windows end: the grid publishes actuals


def due(engine: Engine, now: pd.Timestamp, team_id: str | None = None) -> list[PledgeInfo]:
    """Unsettled pledges whose window *and* baseline ended ``SETTLE_AFTER`` ago (one workspace,
    or all): a baseline later than the pledge waits for its own real outcome."""
    ensure_tables(engine)
    query = select(Pledge).where(Pledge.status == PLEDGED, Pledge.end_at <= naive_utc(now))
    if team_id is not None:
        query = query.where(Pledge.team_id == team_id)
    with Session(engine) as session:
        found = [PledgeInfo.of(r) for r in session.scalars(query.order_by(Pledge.end_at))]
    return [p for p in found if max(p.end, p.baseline_end) + SETTLE_AFTER <= now]


def outcome(provider: Any, pledge: PledgeInfo) -> Saving:
    """The saving from the provider's real history for the pledge's region."""
    region = regions.by_letter(pledge.region_letter)
    start = min(pledge.start, pledge.baseline_start)
    end = max(pledge.end, pledge.baseline_end)
    prices = provider.price_history(region, start, end)
    carbon = provider.carbon_history(region, start, end)
    return pledge_saving(
        prices, carbon, pledge.start, pledge.end, pledge.baseline_start, pledge.kwh
    )


def _store(engine: Engine, pledge: PledgeInfo, saving: Saving | None, status: str) -> bool:
    """Record the outcome; False if someone else settled (or cancelled) it meanwhile."""
    values: dict[str, Any] = {"status": status, "settled_at": utcnow()}
    if saving is not None:
        values |= {
            "saved_gbp": saving.gbp,
            "saved_kg": saving.kg_co2,
            "carbon_basis": saving.carbon_basis,
            "outcome_note": " ".join(saving.notes),
        }
    with engine.begin() as conn:
        won = conn.execute(
            update(Pledge).where(Pledge.id == pledge.id, Pledge.status == PLEDGED).values(**values)
        ).rowcount
    return won == 1


def settle_due(
    engine: Engine,
    provider: Any,
    now: pd.Timestamp,
    *,
    team_id: str | None = None,
    client_for: Callable[[str], WebClient | None] | None = None,
) -> list[PledgeInfo]:
    """Settle every finished pledge; DM each user their saving (``client_for(team_id)``).
    Returns the pledges this call settled."""
    settled: list[PledgeInfo] = []
    for pledge in due(engine, now, team_id):
        try:
            saving = outcome(provider, pledge)
        except DataUnavailable as error:
            log.info("pledge %s: outcome data unavailable (%s)", pledge.id, error)
            continue
        if saving.gbp is None and now - max(pledge.end, pledge.baseline_end) < GIVE_UP_AFTER:
            continue  # prices not in yet: try again later
        status = SETTLED if saving.gbp is not None or saving.kg_co2 is not None else NO_DATA
        if not _store(engine, pledge, saving, status):
            continue
        with Session(engine) as session:
            row = session.get(Pledge, pledge.id)
            done = PledgeInfo.of(row) if row is not None else pledge
        settled.append(done)
        client = client_for(pledge.team_id) if client_for is not None else None
        if client is not None and status == SETTLED:
            _tell(client, done)
    return settled


def _tell(client: WebClient, pledge: PledgeInfo) -> None:
    text, message_blocks = blocks.settled(pledge)
    try:
        channel = pledge.reminder_channel or pledge.user_id
        client.chat_postMessage(channel=channel, text=text, blocks=message_blocks)
    except Exception:  # the saving is stored; the DM is a courtesy
        log.warning("could not DM pledge %s's saving", pledge.id, exc_info=True)
