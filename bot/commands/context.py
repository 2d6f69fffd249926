"""What every answer needs besides the request: the asker's defaults and the domain ``Context``.

Region and tariff defaults are looked up here and only here (person, then channel, then
workspace, then the deployment), for every door.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.services import Services
from bot.where import Where
from flexcalc.commands.requests import Context
from flexcalc.regions import Region, UnknownRegion, by_letter, configured_default
from flexcalc.reply import Reply
from flexcalc.tariffs import spec as tariff_spec

log = logging.getLogger(__name__)


def apology(what: str = "that") -> Reply:
    """The short message a user gets when something unexpected broke (details are logged)."""
    return Reply(
        title="Sorry, something went wrong",
        summary=f"I couldn't work out {what} just now. Please try again in a minute.",
        notes=["The problem has been logged for the team that runs Flexcalc."],
        data={"error": "internal"},
    )


def default_region(services: Services, where: Where) -> Region:
    """Channel setting, else workspace setting, else the deployment's (FLEX_REGION, else C)."""
    letter = services.get_region_letter(where.team_id, where.channel_id)
    if letter:
        try:
            return by_letter(letter)
        except UnknownRegion:
            log.warning("stored region %r is not valid", letter)
    return configured_default()


def tariff_scopes(where: Where, personal: bool = False) -> list[str]:
    """Where a default tariff is looked up, most specific first (person, channel, workspace)."""
    scopes = [f"user:{where.user_id}"] if where.user_id else []
    if not personal:
        scopes += [where.channel_id] if where.channel_id else []
        scopes.append("")
    return scopes


def default_tariff(services: Services, where: Where) -> tariff_spec.TariffChoice | None:
    """The asker's own tariff, else the channel's, else the workspace's (None: Agile)."""
    return tariff_spec.stored(services.tariff_words(where.team_id, tariff_scopes(where)))


def make_context(
    services: Services,
    where: Where,
    *,
    charts: bool = True,
    now: Any = None,
    provider: Any = None,
    progress: Any = None,
) -> Context:
    """The domain's ``Context`` for one answer, with this asker's region and tariff."""
    if now is None and services.clock is not None:
        now = services.clock()
    return Context(
        provider=provider or services.provider,
        region=default_region(services, where),
        now=now,
        charts=charts,
        progress=progress,
        tariff=default_tariff(services, where),
    )
