"""The tariff each subscription's alerts are priced on: its channel's default (``tariff …`` in
the channel), else its workspace's; a person's own default (``tariff me …``) never prices a
channel's alerts. Unreadable or missing settings, or a database that can't say: the default."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.alerts.store import SubscriptionInfo
from bot.commands.context import tariff_scopes
from bot.storage.settings import tariff_words_of_teams
from bot.where import Where
from flexcalc.tariffs import spec

log = logging.getLogger(__name__)


def channel_tariffs(
    engine: Engine, subs: Iterable[SubscriptionInfo]
) -> dict[int, spec.TariffChoice | None]:
    """Subscription id -> the tariff choice its alerts use (None: the default family)."""
    subs = list(subs)
    try:
        stored = tariff_words_of_teams(engine, {s.team_id for s in subs})
    except SQLAlchemyError:  # settings unreadable: alerts on the default tariff, not no alerts
        log.warning("tariff settings unavailable; alerts use the default tariff", exc_info=True)
        stored = {}
    chosen: dict[int, spec.TariffChoice | None] = {}
    for sub in subs:
        scopes = tariff_scopes(Where(sub.team_id, sub.channel_id))
        words = next((stored[(sub.team_id, s)] for s in scopes if (sub.team_id, s) in stored), None)
        chosen[sub.id] = spec.stored(words)
    return chosen
