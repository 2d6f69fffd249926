"""Answers about tariffs: pricing any command on a tariff, ``for export``, ``tariff`` and
``compare tariffs``."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pandas as pd

from flexcalc import battery as battery_model
from flexcalc import windows
from flexcalc.commands import units
from flexcalc.commands.requests import (
    BestSlotRequest,
    CompareTariffsRequest,
    Context,
    Request,
    TariffRequest,
)
from flexcalc.reply import Field, Reply, Table, error_reply
from flexcalc.sources.base import DataUnavailable, Forecast
from flexcalc.tariffs import registry, spec
from flexcalc.tariffs.base import Tariff, is_flat
from flexcalc.tariffs.families import DEFAULT_FAMILY, FAMILIES, NAMED
from flexcalc.tariffs.priced import TariffPricedProvider
from flexcalc.timeslots import LONDON, SLOT, fmt_span, local_day_slots

TARIFF_ENV = "FLEX_TARIFF"  # the CLI's default tariff (same words as `tariff ...`)
COMPARE_DAYS = 14


def default_choice() -> spec.TariffChoice | None:
    """``$FLEX_TARIFF`` read as tariff words (None when unset or unreadable)."""
    text = os.environ.get(TARIFF_ENV, "").strip()
    try:
        return spec.parse(text) if text else None
    except spec.TariffSpecError:
        return None


def resolve(choice: spec.TariffChoice, ctx: Context) -> Tariff:
    return registry.for_provider(choice, ctx.provider)


def priced(request: Request, ctx: Context) -> tuple[Request, Context]:
    """The request and context to answer with: prices from the chosen (or default) tariff; a
    flat-priced tariff turns a price objective into carbon (its note says so)."""
    choice = getattr(request, "tariff", None) or ctx.tariff
    export = getattr(request, "objective", None) == "export"
    if choice is None and not export:
        return request, ctx
    tariff = resolve(choice or spec.TariffChoice("named", "outgoing"), ctx)
    provider = TariffPricedProvider(ctx.provider, tariff, export=export)
    return request, dataclasses.replace(ctx, provider=provider)


def flat_objective(request: Request, forecast: Forecast) -> Request:
    """A price or balanced objective on a flat price becomes carbon (the cost still shows)."""
    if (
        isinstance(request, BestSlotRequest)
        and request.objective in ("price", "both")
        and not forecast.prices.dropna().empty
        and is_flat(forecast.prices)
    ):
        return dataclasses.replace(request, objective="carbon")
    return request


def answer_export(req: BestSlotRequest, ctx: Context, forecast: Forecast) -> Reply:
    """The window with the highest export price (``for export``)."""
    k = int(req.duration / SLOT)
    frame = forecast.frame().dropna(subset=["price"])
    if req.within is not None:
        frame = frame.loc[frame.index < forecast.now + req.within]
    best = windows.best_window(frame, k, "price", highest=True, split=req.split)
    worst = windows.best_window(frame, k, "price", split=req.split)
    region = forecast.region
    if best is None:
        return Reply(
            title=f"No {units.duration(req.duration)} export window is known",
            summary=f"Export prices for {region.label} don't cover {units.duration(req.duration)}"
            f" yet. {windows.coverage_text(forecast.frame())}.",
            notes=list(forecast.notes),
            is_error=True,
        )
    kwh = req.load.energy_kwh(req.duration)
    summary = (
        f"Best {units.duration(req.duration)} to export in {region.label}: "
        f"{fmt_span(best.start, best.end)} (UK time) at {units.price(best.price)}"
    )
    if worst is not None:
        summary += f", against {units.price(worst.price)} in the lowest-paid window"
    summary += "."
    rows = [["Best to export", fmt_span(best.start, best.end), units.price(best.price)]]
    if worst is not None:
        rows.append(["Lowest paid", fmt_span(worst.start, worst.end), units.price(worst.price)])
    fields = [Field("Export window", fmt_span(best.start, best.end))]
    if kwh:
        fields.append(Field(f"{kwh:g} kWh earns", units.gbp(best.price * kwh / 100)))
    return Reply(
        title=f"Best {units.duration(req.duration)} to export — {region.label}",
        summary=summary,
        fields=fields,
        table=Table(columns=["", "When (UK)", "Export price"], rows=rows),
        notes=list(forecast.notes),
        data={
            "command": "bestslot",
            "objective": "export",
            "region": region.letter,
            "start": best.start.isoformat(),
            "end": best.end.isoformat(),
            "export_p_per_kwh": best.price,
            "earnings_gbp": best.price * kwh / 100 if kwh else None,
        },
    )


def answer_tariff(req: TariffRequest, ctx: Context) -> Reply:
    """Outside chat there is nowhere to keep a default: show the tariff and how to use it."""
    choice = req.choice or ctx.tariff
    if choice is None:
        return Reply(
            title=f"Tariff: {FAMILIES[DEFAULT_FAMILY].label} (the default)",
            summary="Add 'on go' (or any tariff) to a command, or set FLEX_TARIFF, e.g. "
            "FLEX_TARIFF='custom 7.5p 00:30-04:30, 28p otherwise'.",
        )
    tariff = resolve(choice, ctx)
    now = ctx.current_time()
    region = ctx.region
    day = local_day_slots(now.tz_convert(LONDON).date())
    rates = tariff.import_rates(region.letter, day[0], day[-1] + SLOT)
    fields = [Field("Kind", tariff.kind.replace("_", " "))]
    if len(rates):
        fields.append(Field("Today", units.price_range(rates.min(), rates.max())))
    charge = tariff.standing_charge(region.letter)
    if charge is not None:
        fields.append(Field("Standing charge", f"{charge:.2f}p/day"))
    return Reply(
        title=f"Tariff: {tariff.name}",
        summary=f"'on {choice.text()}' after any command answers on it once; 'tariff "
        f"{choice.text()}' makes it this conversation's default in team chat ('tariff me …' "
        f"just yours), FLEX_TARIFF='{choice.text()}' on the command line.",
        fields=fields,
        data={"command": "tariff", "tariff": choice.text(), "kind": tariff.kind},
    )


def _days(req: CompareTariffsRequest, now: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    today = now.tz_convert(LONDON).date()
    last = req.end or (today - pd.Timedelta(days=1))
    first = req.start or (last - pd.Timedelta(days=COMPARE_DAYS - 1))
    if (pd.Timestamp(last) - pd.Timestamp(first)).days > 366:
        raise ValueError("Compare at most a year of days at once.")
    return local_day_slots(first)[0], local_day_slots(last)[-1] + SLOT


def daily_costs(rates: pd.Series, req: CompareTariffsRequest) -> tuple[float, float, int]:
    """(unshifted £, shifted £, days) for a load starting at ``req.at`` each UK day, or moved
    to that day's cheapest window (starting and ending within the day)."""
    k = int(req.duration / SLOT)
    kwh = req.load.energy_kwh(req.duration) or req.duration / pd.Timedelta(hours=1)
    fixed = shifted = 0.0
    counted = 0
    for day, part in rates.groupby(rates.index.tz_convert(LONDON).date):
        slots = local_day_slots(day)
        if len(part) != len(slots) or part.isna().any():
            continue
        start = pd.Timestamp.combine(day, req.at).tz_localize(LONDON, nonexistent="shift_forward")
        at = part.index.searchsorted(start.tz_convert("UTC"))
        if at + k > len(part):
            continue
        values = part.to_numpy()
        means = windows.rolling_means(values, k)
        fixed += float(values[at : at + k].mean()) * kwh / 100
        shifted += float(np.nanmin(means)) * kwh / 100
        counted += 1
    return fixed, shifted, counted


def answer_compare(req: CompareTariffsRequest, ctx: Context) -> Reply:
    """Each tariff's cost for the daily load with and without shifting (and a battery's)."""
    region = ctx.region_for(req.region)
    start, end = _days(req, ctx.current_time())
    choices = [spec.TariffChoice("named", n) for n in NAMED if n != "outgoing"]
    if ctx.tariff is not None and ctx.tariff not in choices:
        choices.append(ctx.tariff)
    rows, data, notes = [], [], []
    for choice in choices:
        try:
            tariff = resolve(choice, ctx)
            rates = tariff.import_rates(region.letter, start, end)
        except DataUnavailable as err:
            notes.append(f"{choice.text()}: {err}")
            continue
        fixed, shifted, days = daily_costs(rates, req)
        if days == 0:
            notes.append(f"{tariff.name}: no complete day of rates in that period.")
            continue
        row = {"tariff": tariff.name, "days": days, "unshifted_gbp": fixed, "shifted_gbp": shifted,
               "shifting_worth_gbp": fixed - shifted}  # fmt: skip
        if req.battery_kwh and req.battery_kw:
            frame = rates.rename("price").to_frame()
            exported = tariff.export_rates(region.letter, start, end)
            if exported is not None:
                frame["export_price"] = exported
            cells = battery_model.Battery(req.battery_kwh, req.battery_kw)
            per_day, _ = battery_model.optimise_days(frame, cells)
            row["battery_gbp"] = float(per_day["saving_gbp"].sum()) if len(per_day) else None
        rows.append(row)
        data.append(row)
    if not rows:
        return error_reply(
            "No tariff had rates for that period. " + " ".join(notes),
            ["compare tariffs", "compare tariffs 3h daily at 18:00 from 2024-06-01"],
        )
    rows.sort(key=lambda r: r["shifted_gbp"])
    columns = ["Tariff", "At a fixed time", "Shifted", "Shifting saves"]
    if req.battery_kwh:
        columns.append("Battery saves")
    table_rows = []
    for r in rows:
        cells_ = [r["tariff"], units.gbp(r["unshifted_gbp"]), units.gbp(r["shifted_gbp"]),
                  units.gbp(r["shifting_worth_gbp"])]  # fmt: skip
        if req.battery_kwh:
            cells_.append(units.gbp(r.get("battery_gbp")))
        table_rows.append(cells_)
    cheapest = rows[0]
    fixed_best = min(rows, key=lambda r: r["unshifted_gbp"])
    worth = max(rows, key=lambda r: r["shifting_worth_gbp"])
    kwh = req.load.energy_kwh(req.duration) or req.duration / pd.Timedelta(hours=1)
    summary = (
        f"A {units.duration(req.duration)} load ({kwh:g} kWh) every day in {region.label}, "
        f"{cheapest['days']} days: cheapest shifted on {cheapest['tariff']} "
        f"({units.gbp(cheapest['shifted_gbp'])}); at {req.at:%H:%M} every day, "
        f"{fixed_best['tariff']} ({units.gbp(fixed_best['unshifted_gbp'])}). Shifting is worth "
        f"most on {worth['tariff']} ({units.gbp(worth['shifting_worth_gbp'])})."
    )
    notes.append("Unit rates only; standing charges are not included.")
    return Reply(
        title=f"Tariffs compared — {region.label}",
        summary=summary,
        table=Table(columns=columns, rows=table_rows),
        notes=notes,
        data={"command": "compare tariffs", "region": region.letter, "tariffs": data},
    )
