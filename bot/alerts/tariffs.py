"""The tariff each subscription's alerts are priced on: its channel's default (``tariff …`` in
the channel), else its workspace's; a person's own default (``tariff me …``) never prices a
channel's alerts. Unreadable or missing settings, or a database that can't say: the default."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine

from bot.alerts.store import SubscriptionInfo
from bot.commands.context import tariff_scopes
from bot.services import setting_or_default
from bot.storage.settings import tariff_words_of_teams
from bot.where import Where
from flexcalc.tariffs import spec
from flexcalc.tariffs.families import DEFAULT_SHORT_LABEL


def channel_tariffs(
    engine: Engine, subs: Iterable[SubscriptionInfo]
) -> dict[int, spec.TariffChoice | None]:
    """Subscription id -> the tariff choice its alerts use (None: the default family)."""
    subs = list(subs)
    teams = {s.team_id for s in subs}
    # settings unreadable: alerts on the default tariff, not no alerts
    stored = setting_or_default("tariff", lambda: tariff_words_of_teams(engine, teams)) or {}
    return {sub.id: _choice(stored, sub.team_id, sub.channel_id) for sub in subs}


def _choice(
    stored: dict[tuple[str, str], str], team_id: str, channel_id: str | None
) -> spec.TariffChoice | None:
    scopes = tariff_scopes(Where(team_id, channel_id))
    words = next((stored[(team_id, s)] for s in scopes if (team_id, s) in stored), None)
    return spec.stored(words)


def tariff_text(engine: Engine, team_id: str, channel_id: str | None) -> str:
    """What a subscription confirmation says about the tariff its alerts will use."""
    stored = setting_or_default("tariff", lambda: tariff_words_of_teams(engine, {team_id}))
    choice = _choice(stored or {}, team_id, channel_id)
    if choice is None:
        return f"{DEFAULT_SHORT_LABEL} (the default; change it with /flex tariff go or any tariff)"
    return f"{choice.text()} (this channel's tariff: /flex tariff)"
