"""Answers that store something for a conversation: `region`, `tariff` and `alerts`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.alerts.commands import handle_alerts
from bot.commands.context import default_region, tariff_scopes
from bot.services import Services
from bot.where import Where
from flexcalc.commands.requests import AlertsRequest, Context, RegionRequest, TariffRequest
from flexcalc.reply import Field, Reply


def tariff_reply(
    request: TariffRequest,
    services: Services,
    where: Where,
    ctx: Context,
    answer: Callable[[TariffRequest, Context], Reply],
) -> Reply:
    """``tariff go`` (this channel) / ``tariff me go`` (the asker): store, then describe it."""
    assert request.choice is not None
    shown = answer(TariffRequest(None), replace(ctx, tariff=request.choice))
    if shown.is_error:
        return shown  # e.g. an unknown product code: nothing is stored
    scope = tariff_scopes(where, personal=True)[0] if request.personal else where.channel_id
    services.tariff_words(where.team_id, [scope or ""], request.choice.text())
    who = "you" if request.personal else "this conversation"
    return Reply(
        title=f"Default tariff set: {shown.title.removeprefix('Tariff: ')}",
        summary=f"Answers for {who} now use it unless a command says `on ...`.",
        fields=shown.fields,
        data={**shown.data, "scope": "person" if request.personal else "channel"},
    )


def region_reply(request: RegionRequest, services: Services, where: Where) -> Reply:
    """Show or set the default region of this channel (and of the workspace, if it has none)."""
    current = default_region(services, where)
    if request.region is None:
        return Reply(
            title=f"Default region: {current.label}",
            summary="Change it with `region` and a letter, name, postcode or MPAN, "
            "e.g. `region NG1`.",
            fields=[Field("Carbon Intensity region", current.ci_name)],
        )
    region = request.region
    workspace_had_one = services.get_region_letter(where.team_id, None) is not None
    services.set_region_letter(where.team_id, region.letter, where.channel_id)
    scope = "this conversation" if services.engine is not None else "this session"
    if not workspace_had_one and where.channel_id and services.engine is not None:
        services.set_region_letter(where.team_id, region.letter, None)
        scope = "this conversation and the workspace"
    return Reply(
        title=f"Default region set: {region.label}",
        summary=f"Commands in {scope} now use {region.name} unless they say `in ...`.",
        fields=[
            Field("Octopus region", region.letter),
            Field("Carbon Intensity region", region.ci_name),
        ],
    )


def alerts_reply(request: AlertsRequest, services: Services, where: Where) -> Reply:
    """Daily alerts: subscribe, list, pause, resume, stop (``bot.alerts.commands``)."""
    return handle_alerts(
        request,
        engine=services.engine,
        team_id=where.team_id,
        channel_id=where.channel_id,
        user_id=where.user_id,
    )
