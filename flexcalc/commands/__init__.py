"""One grammar, one answer: text -> Request -> Reply, shared by every front end.

``parse`` reads the words, ``answer`` computes a platform-neutral ``Reply`` and ``run`` does both
without ever raising: bad input and upstream failures come back as friendly replies.
"""

from __future__ import annotations

import logging

from flexcalc.commands import answer_forecast, answer_tariffs
from flexcalc.commands.answer_backtest import answer_backtest
from flexcalc.commands.answer_battery import answer_battery
from flexcalc.commands.answer_footprint import answer_footprint_energy, answer_footprint_storage
from flexcalc.commands.grammar import UsageError, parse
from flexcalc.commands.help import answer_help
from flexcalc.commands.requests import (
    AccuracyRequest,
    AlertsRequest,
    BacktestRequest,
    BatteryRequest,
    BestSlotRequest,
    CarbonRequest,
    CompareTariffsRequest,
    Context,
    DigestRequest,
    FootprintEnergyRequest,
    FootprintStorageRequest,
    ForgetRequest,
    HelpRequest,
    ImpactRequest,
    ImpactVisibilityRequest,
    PricesRequest,
    RegionRequest,
    Request,
    TariffRequest,
)
from flexcalc.reply import Reply, error_reply
from flexcalc.sources.base import DataUnavailable

__all__ = ["Context", "Request", "UsageError", "answer", "parse", "run"]

log = logging.getLogger(__name__)


def answer(request: Request, ctx: Context) -> Reply:
    """Compute the reply to a parsed request. Input problems become ``is_error`` replies."""
    try:
        return _answer(request, ctx)
    except DataUnavailable as err:
        return Reply(
            title="Sorry, the data isn't available right now",
            summary=str(err),
            notes=["Nothing was changed. Please try again in a few minutes."],
            data={"error": "unavailable"},
            is_error=True,
        )
    except ValueError as err:  # bad values the grammar can't see (e.g. a date range with no data)
        return error_reply(str(err))


def _answer(request: Request, ctx: Context) -> Reply:
    if isinstance(request, HelpRequest):
        return answer_help(request.topic)
    if isinstance(request, TariffRequest):
        return answer_tariffs.answer_tariff(request, ctx)
    if isinstance(request, CompareTariffsRequest):
        return answer_tariffs.answer_compare(request, ctx)
    request, ctx = answer_tariffs.priced(request, ctx)
    if isinstance(request, BestSlotRequest | PricesRequest | CarbonRequest):
        region = ctx.region_for(request.region)
        forecast = ctx.provider.forecast(region, ctx.current_time())
        if isinstance(request, BestSlotRequest) and request.objective == "export":
            return answer_tariffs.answer_export(request, ctx, forecast)
        request = answer_tariffs.flat_objective(request, forecast)
        if isinstance(request, BestSlotRequest):
            return answer_forecast.answer_bestslot(request, ctx, forecast)
        if isinstance(request, PricesRequest):
            return answer_forecast.answer_prices(request, ctx, forecast)
        return answer_forecast.answer_carbon(request, ctx, forecast)
    if isinstance(request, BacktestRequest):
        return answer_backtest(request, ctx)
    if isinstance(request, BatteryRequest):
        return answer_battery(request, ctx)
    if isinstance(request, FootprintEnergyRequest):
        return answer_footprint_energy(request, ctx)
    if isinstance(request, FootprintStorageRequest):
        return answer_footprint_storage(request, ctx)
    if isinstance(request, RegionRequest | AlertsRequest):
        return Reply(
            title="That one works in team chat",
            summary="Region defaults and alerts are kept per conversation: use `region` or "
            "`alerts` in team chat. Here, add 'in REGION' to a command or set FLEX_REGION.",
        )
    if isinstance(request, AccuracyRequest):
        return Reply(
            title="That one works in team chat",
            summary="Advice is scored per workspace, where Flexcalc keeps a database: use "
            "`accuracy` in team chat.",
        )
    if isinstance(request, ImpactRequest | ImpactVisibilityRequest | DigestRequest | ForgetRequest):
        return Reply(
            title="That one works in team chat",
            summary="Pledges, team impact and the weekly digest are kept per workspace: use "
            "`impact`, `digest` or `forget me` in team chat.",
        )
    raise TypeError(f"no answer for {type(request).__name__}")


def run(text: str, ctx: Context) -> Reply:
    """Parse and answer one command line; never raises."""
    try:
        request = parse(text, ctx.provider.lookup_postcode)
    except UsageError as err:
        return err.reply()
    try:
        return answer(request, ctx)
    except Exception:  # a bug must not reach users as a traceback
        log.exception("answering %r failed", text)
        return Reply(
            title="Sorry, something went wrong on our side",
            summary="I couldn't work that out. The error has been logged; please try again.",
            is_error=True,
        )
