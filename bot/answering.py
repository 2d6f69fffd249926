"""Text in the shared grammar -> ``Reply``, with the bits that need storage (region, alerts).

The only place the front end talks to ``flexcalc.commands``. It never raises: usage problems
come back as the domain's friendly usage reply, anything unexpected as a short apology.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import Any

from bot.alerts.commands import handle_alerts
from bot.services import Services
from bot.where import Where
from flexcalc.commands import UsageError, answer, parse
from flexcalc.commands.requests import (
    AlertsRequest,
    BacktestRequest,
    BatteryRequest,
    BestSlotRequest,
    CarbonRequest,
    Context,
    DigestRequest,
    FootprintEnergyRequest,
    FootprintStorageRequest,
    ForgetRequest,
    ImpactRequest,
    ImpactVisibilityRequest,
    PricesRequest,
    RegionRequest,
    Request,
    TariffRequest,
)
from flexcalc.regions import Region, UnknownRegion, by_letter, configured_default
from flexcalc.reply import Field, Reply
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


def make_context(
    services: Services,
    where: Where,
    *,
    charts: bool = True,
    now: Any = None,
    provider: Any = None,
    progress: Any = None,
) -> Context:
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


def _tariff_scopes(where: Where, personal: bool = False) -> list[str]:
    """Where a default tariff is looked up, most specific first (person, channel, workspace)."""
    scopes = [f"user:{where.user_id}"] if where.user_id else []
    if not personal:
        scopes += [where.channel_id] if where.channel_id else []
        scopes.append("")
    return scopes


def default_tariff(services: Services, where: Where) -> tariff_spec.TariffChoice | None:
    """The asker's own tariff, else the channel's, else the workspace's (None: Agile)."""
    words = services.tariff_words(where.team_id, _tariff_scopes(where))
    try:
        return tariff_spec.parse(words) if words else None
    except tariff_spec.TariffSpecError:  # words stored by an older grammar: fall back
        return None


def tariff_reply(
    request: TariffRequest, services: Services, where: Where, ctx: Context, answer: Any
) -> Reply:
    """``tariff go`` (this channel) / ``tariff me go`` (the asker): store, then describe it."""
    assert request.choice is not None
    shown = answer(TariffRequest(None), replace(ctx, tariff=request.choice))
    if shown.is_error:
        return shown  # e.g. an unknown product code: nothing is stored
    scope = _tariff_scopes(where, personal=True)[0] if request.personal else where.channel_id
    services.tariff_words(where.team_id, [scope or ""], request.choice.text())
    who = "you" if request.personal else "this conversation"
    return Reply(
        title=f"Default tariff set: {shown.title.removeprefix('Tariff: ')}",
        summary=f"Answers for {who} now use it unless a command says `on ...`.",
        fields=shown.fields,
        data={**shown.data, "scope": "person" if request.personal else "channel"},
    )


def understand(text: str, services: Services | None = None) -> Request | Reply:
    """The parsed request, or the reply to give instead (friendly usage message / apology).

    With ``services``, postcode districts missing from the bundled table are looked up live.
    """

    try:
        lookup = services.provider.lookup_postcode if services is not None else None
        return parse(text, lookup)
    except UsageError as problem:
        return problem.reply()
    except Exception:
        log.exception("parsing %r failed", text)
        return apology("that command")


def chart_after_answer(request: Request) -> bool:
    """Quick forecast answers are posted first and their chart drawn afterwards (the chart is
    most of the work); slower ones (backtest, battery) are computed once, chart included."""
    return isinstance(request, BestSlotRequest | PricesRequest | CarbonRequest)


def is_engagement(request: Request) -> bool:
    """impact / digest / forget me: answered from the pledges kept for this workspace."""

    return isinstance(
        request, ImpactRequest | ImpactVisibilityRequest | DigestRequest | ForgetRequest
    )


def takes_a_while(request: Request) -> bool:
    """Answers that look through history or solve an optimisation: show progress first."""

    slow = BacktestRequest | BatteryRequest | FootprintEnergyRequest | FootprintStorageRequest
    return isinstance(request, slow)


def reply_for(
    request: Request,
    services: Services,
    where: Where,
    *,
    charts: bool = True,
    now: Any = None,
    provider: Any = None,
    progress: Any = None,
) -> Reply:
    """Answer a parsed request (settings are stored here). Never raises.

    ``provider`` overrides the services' one (e.g. a ``Prefetched`` forecast)."""

    try:
        if isinstance(request, RegionRequest):
            return region_reply(request, services, where)
        if isinstance(request, AlertsRequest):
            return alerts_reply(request, services, where)
        ctx = make_context(
            services, where, charts=charts, now=now, provider=provider, progress=progress
        )
        if isinstance(request, TariffRequest) and request.choice is not None:
            return tariff_reply(request, services, where, ctx, answer)
        return answer(request, ctx)
    except Exception:
        log.exception("answering %r failed", request)
        return apology("an answer to that")


def reply_to(text: str, services: Services, where: Where) -> Reply:
    """Answer one command line (``bestslot 4h``, ``help``, ``region NG1`` …). Never raises."""
    request = understand(text, services)
    if isinstance(request, Reply):
        return request
    return reply_for(request, services, where)


class Prefetched:
    """A provider whose forecast for one (region, now) was fetched up front.

    Fetching is I/O that may hang on a slow upstream; computing is CPU. Fetching first, outside
    the bounded computing turns, keeps a hung API from blocking everyone else's answers, and the
    answer and its chart (drawn afterwards) share one fetch. Failures are replayed, not retried.
    """

    def __init__(self, inner: Any, region: Region, now: Any) -> None:
        self.inner, self.region, self.now = inner, region, now
        self.result: Any = None
        self.error: Exception | None = None
        try:
            self.result = inner.forecast(region, now)
        except Exception as problem:  # DataUnavailable, or a bug: answer() deals with it
            self.error = problem

    def forecast(self, region: Region, now: Any) -> Any:
        if region == self.region and now == self.now:
            if self.error is not None:
                raise self.error
            return self.result
        return self.inner.forecast(region, now)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def prefetch(request: Request, services: Services, where: Where, now: Any) -> Prefetched:
    """Fetch the forecast a bestslot/prices/carbon request will need."""
    region = getattr(request, "region", None) or default_region(services, where)
    return Prefetched(services.provider, region, now)


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


WARM_UP_COMMAND = "bestslot 1h"


def warm_up(services: Services) -> None:
    """Answer one command (chart included) so the provider, its caches, pandas and matplotlib
    are loaded before users arrive; commands that come in meanwhile wait for it (up to
    ``services.warm_up_wait``) instead of all loading the same things at once."""
    try:
        request = understand(WARM_UP_COMMAND)
        reply_for(request, services, Where(team_id="warm-up"), charts=True)  # type: ignore[arg-type]
    except Exception:
        log.warning("warm-up failed", exc_info=True)
    finally:
        services.ready.set()


def warm_up_in_background(services: Services) -> threading.Thread:
    services.ready.clear()
    thread = threading.Thread(
        target=warm_up, args=(services,), name="flexcalc-warm-up", daemon=True
    )
    thread.start()
    return thread
