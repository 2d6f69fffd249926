"""``battery``: the optimal charge/discharge plan over the known horizon, or over history with a
sensitivity table (see flexcalc.battery for the model)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd

from flexcalc import battery as bat
from flexcalc.commands import units
from flexcalc.commands.answer_backtest import day_start, fetch_history
from flexcalc.commands.requests import BatteryRequest, Context
from flexcalc.regions import Region
from flexcalc.reply import Field, Reply, Table
from flexcalc.tariffs.families import tariff_name
from flexcalc.timeslots import LONDON, SLOT, ceil_slot, fmt_day_time, fmt_span

MODEL_NOTE = (
    "Model: site battery (the default; say `grid` for a grid battery). Nothing is exported; the "
    "site is assumed to use at least the battery's power at all times, so each kWh discharged "
    "avoids a kWh imported at the import price. Efficiency is split as the square root on "
    "charge and discharge; the plan ends at the state of charge it starts with."
)
EXPORT_NOTE = (
    "Model: grid battery (you said `grid`). It buys at the import price and sells everything it "
    "discharges at the export price from the prices file (no site load). Efficiency is split as "
    "the square root on charge and discharge; the plan ends at the state of charge it starts with."
)
MODEL_NAMES = {"site": "site battery", "grid": "grid battery"}
WEIGHT = 0.5  # "both": equal weights on range-scaled price and carbon


def _battery(req: BatteryRequest) -> bat.Battery:
    b = bat.Battery(req.capacity_kwh, req.power_kw, req.efficiency)
    b.validate()
    if req.objective not in bat.OBJECTIVES:
        raise ValueError("The objective must be price, carbon or both.")
    return b


def _with_model(
    req: BatteryRequest, ctx: Context, battery: bat.Battery, frame: pd.DataFrame, region: Region
) -> tuple[bat.Battery, pd.DataFrame, str]:
    """The model the words chose, never the data: ``site`` (default) ignores any export
    prices; ``grid`` sells at the export price (the tariff's export rates, or a prices file's
    export column) and says why when there is none."""
    if req.model != "grid":
        return battery, frame, MODEL_NOTE
    export_history = getattr(ctx.provider, "export_history", None)
    if export_history is not None and len(frame):
        export = export_history(region, frame.index[0], frame.index[-1] + SLOT)
    else:
        export = getattr(getattr(ctx.provider, "prices_file", None), "export", None)
    if export is None or export.reindex(frame.index).isna().all():
        raise ValueError(
            "A grid battery sells at the export price, and I have no export prices for this "
            "period: give a prices file with an export column (the Octopus dashboard export) or "
            "an export tariff, or drop `grid` for a site battery."
        )
    frame = frame.assign(export_price=export.reindex(frame.index).to_numpy(float))
    return replace(battery, site_load_kw=0.0), frame, EXPORT_NOTE


def _describe(req: BatteryRequest) -> str:
    return (
        f"{MODEL_NAMES[req.model]} {req.capacity_kwh:g} kWh / {req.power_kw:g} kW, "
        f"{req.efficiency * 100:g}% round trip, for {req.objective}"
    )


def _needed(req: BatteryRequest) -> list[str]:
    """Columns the plan needs in every slot: price, carbon unless for price, export if grid."""
    return (
        ["price"]
        + (["carbon"] if req.objective != "price" else [])
        + (["export_price"] if req.model == "grid" else [])
    )


def answer_battery(req: BatteryRequest, ctx: Context) -> Reply:
    """The plan over the known horizon, or (with start/end) daily plans over history."""
    battery = _battery(req)
    if req.start is not None or req.end is not None:
        return _history(req, ctx, battery)
    return _horizon(req, ctx, battery)


def _runs(mask: np.ndarray, index: pd.DatetimeIndex) -> list[str]:
    """UK-time spans of consecutive True slots."""
    out, i = [], 0
    while i < len(mask):
        if mask[i]:
            j = i
            while j + 1 < len(mask) and mask[j + 1]:
                j += 1
            out.append(fmt_span(index[i], index[j] + SLOT))
            i = j + 1
        else:
            i += 1
    return out


def _horizon(req: BatteryRequest, ctx: Context, battery: bat.Battery) -> Reply:
    region = ctx.region_for(req.region)
    forecast = ctx.provider.forecast(region, ctx.current_time())
    frame = forecast.frame()
    frame = frame[frame.index >= ceil_slot(forecast.now)]  # the start rule: no past slot
    battery, frame, model_note = _with_model(req, ctx, battery, frame, region)
    needed = _needed(req)
    known = frame[needed].notna().all(axis=1)
    first_gap = np.flatnonzero(~known.to_numpy())
    notes = list(forecast.notes)
    if first_gap.size:
        frame = frame.iloc[: first_gap[0]]
        if len(frame):
            notes.append(
                f"Planned to {fmt_day_time(frame.index[-1] + SLOT)}, where the "
                f"{' or '.join(c.replace('_', ' ') for c in needed)} data stop."
            )
    if len(frame) < 2:
        raise ValueError(
            f"Not enough upcoming {' and '.join(c.replace('_', ' ') for c in needed)} data to "
            "plan a battery."
        )
    if frame["carbon"].isna().any():
        notes.append("Carbon data is missing for part of the plan: kgCO2 is n/a.")
    plan = bat.plan(frame, battery, req.objective, WEIGHT)
    s = plan.schedule
    charging = _runs(s["charge_kw"].to_numpy() > 1e-3, s.index)
    discharging = _runs((s["discharge_kw"] + s["export_kw"]).to_numpy() > 1e-3, s.index)
    until = fmt_day_time(s.index[-1] + SLOT)
    if plan.cycles < 0.01:
        summary = (
            f"Until {until}, a {battery.capacity_kwh:g} kWh battery can't beat its own losses: "
            "prices are too flat to make charging and discharging worthwhile, so it stays idle."
        )
    else:
        summary = (
            f"Until {until}, this battery would save "
            f"{units.money_and_carbon(plan.saving_gbp, plan.saving_kg)} compared with no battery: "
            "charge "
            f"{_first(charging)} and discharge {_first(discharging)} "
            f"({plan.cycles:.1f} full cycles)."
        )
    fields = [
        Field("Saving vs no battery", units.money_and_carbon(plan.saving_gbp, plan.saving_kg)),
        Field("Full cycles", f"{plan.cycles:.2f}"),
        Field("Charge", _listed(charging)),
        Field("Discharge", _listed(discharging)),
        Field("Starting charge", f"{plan.start_soc_kwh:.1f} kWh (same at the end)"),
    ]
    rows = [
        [
            fmt_day_time(ts),
            units.price(r.price),
            units.carbon(r.carbon),
            f"{r.charge_kw - r.discharge_kw - r.export_kw:+.2f}",
            f"{r.soc_kwh:.2f}",
        ]
        for ts, r in s.iterrows()
        if abs(r.charge_kw) + abs(r.discharge_kw) + abs(r.export_kw) > 1e-3
    ]
    columns = ["Slot (UK)", "Price", "Carbon", "Battery kW (+charge)", "SoC kWh after"]
    csv_frame = s.copy()
    csv_frame.index = s.index.tz_convert(LONDON).strftime("%Y-%m-%d %H:%M")
    if plan.simultaneous_slots:
        notes.append(
            f"In {plan.simultaneous_slots} half-hour(s) the plan both charges and discharges "
            "(time-sharing the slot), turning very cheap energy into losses."
        )
    notes.insert(0, model_note)
    chart = None
    if ctx.charts:
        # lazy: charts load matplotlib, which the ack-only web process never needs
        from flexcalc.charts.battery import plan_png

        chart = plan_png(plan, f"Battery plan, {_describe(req)} — {region.label}")
    return Reply(
        title=f"Battery plan: {_describe(req)} — {region.label}",
        summary=summary,
        fields=fields,
        table=Table(columns, rows, title="Half-hours when the battery runs (all slots in the CSV)"),
        chart_png=chart,
        chart_alt="Battery state of charge and power over the half-hourly prices",
        notes=notes,
        csv={"battery_plan.csv": csv_frame.round(4).to_csv(index_label="slot_uk")},
        data={
            "region": region.letter,
            "saving_gbp": plan.saving_gbp,
            "saving_kg": plan.saving_kg,
            "cycles": plan.cycles,
            "start_soc_kwh": plan.start_soc_kwh,
            "charge": charging,
            "discharge": discharging,
        },
    )


def _listed(spans: list[str], shown: int = 4) -> str:
    if not spans:
        return "none"
    more = f" and {len(spans) - shown} more (see the table)" if len(spans) > shown else ""
    return ", ".join(spans[:shown]) + more


def _first(spans: list[str]) -> str:
    if not spans:
        return "never"
    return spans[0] + (f" (+{len(spans) - 1} more)" if len(spans) > 1 else "")


def _history(req: BatteryRequest, ctx: Context, battery: bat.Battery) -> Reply:
    region = ctx.region_for(req.region)
    end = req.end or (req.start + dt.timedelta(days=29))  # type: ignore[operator]
    start = req.start or (end - dt.timedelta(days=29))
    if end < start:
        raise ValueError("The end date is before the start date.")
    span = f"{start:%a %d %b %Y} to {end:%a %d %b %Y}"
    prices, carbon, source_notes = fetch_history(
        ctx, region, day_start(start), day_start(end + dt.timedelta(days=1)), "history"
    )
    if prices.empty:
        why = " ".join(n for n in source_notes if "prices n/a" in n)
        raise ValueError(
            f"There are no prices for {region.label} from {span}."
            + (
                f" {why} The battery model needs prices (also `for carbon`): add a prices file."
                if why
                else ""
            )
        )
    if carbon.empty and req.objective != "price":
        raise ValueError(f"There is no carbon data from {span} to plan {req.objective} on.")
    actual = carbon.get("actual", pd.Series(dtype=float))
    forecast = carbon.get("forecast", pd.Series(dtype=float))
    intensity = actual.where(actual > 0).combine_first(forecast)
    frame = pd.concat({"price": prices, "carbon": intensity}, axis=1, sort=True)
    scale = 0.8  # fetching used 0..0.8 of the progress bar

    def progress(fraction: float, label: str) -> None:
        if ctx.progress:
            ctx.progress(scale + 0.2 * fraction, label)

    battery, frame, model_note = _with_model(req, ctx, battery, frame, region)
    days, skipped = bat.optimise_days(frame, battery, req.objective, WEIGHT)
    if days.empty:
        raise ValueError(f"No day from {span} has complete data for the battery.")
    table = bat.sensitivity(
        frame, battery, req.objective, WEIGHT, progress=progress, base_days=days
    )
    base = table.loc["as given"]
    per_kwh = table.loc["+1 kWh capacity", "extra_gbp"]
    per_kw = table.loc["+1 kW power", "extra_gbp"]
    asked = (end - start).days + 1
    first, last = days.index.min(), days.index.max()
    span = f"{span} ({len(days)} days)"
    if len(days) < asked:  # say what the figures rest on, not only what was asked
        span = (
            f"{first:%a %d %b %Y} to {last:%a %d %b %Y} (the {len(days)} of the {asked} days "
            "asked for with complete data)"
        )
    summary = (
        f"From {span}, a {_describe(req)} re-planned every day would "
        f"have saved {units.money_and_carbon(base['saving_gbp'], base['saving_kg'])} compared "
        f"with no battery. One more kWh of capacity would have added {units.gbp(per_kwh)}; one "
        f"more kW of power {units.gbp(per_kw)}."
    )
    columns = ["Battery", "Capacity", "Power", "£ saved", "kgCO2 saved", "Cycles", "Extra £"]
    rows = [
        [
            name,
            f"{r.capacity_kwh:g} kWh",
            f"{r.power_kw:g} kW",
            units.gbp(r.saving_gbp),
            units.kg(r.saving_kg),
            f"{r.cycles:.0f}",
            units.gbp(r.extra_gbp),
        ]
        for name, r in table.iterrows()
    ]
    best = days["saving_gbp"].idxmax()
    fields = [
        Field("Days optimised", f"{len(days)} ({len(skipped)} skipped for missing data)"),
        Field(
            "Saving vs no battery",
            f"{units.gbp(base['saving_gbp'])}, {units.kg(base['saving_kg'])}",
        ),
        Field("Per day", f"{units.gbp(base['saving_gbp'] / len(days))}"),
        Field("Full cycles", f"{base['cycles']:.0f} ({base['cycles'] / len(days):.2f} a day)"),
        Field("Value of +1 kWh", units.gbp(per_kwh)),
        Field("Value of +1 kW", units.gbp(per_kw)),
        Field("Best day", f"{best:%a %d %b %Y}: {units.gbp(days.at[best, 'saving_gbp'])}"),
    ]
    notes = [
        model_note,
        f"Prices — {tariff_name(ctx.provider)}: each day is planned with that day's prices "
        "known in full (published a day ahead) and carbon as recorded (actual, forecast where "
        "missing).",
    ]
    no_carbon = int(days["saving_kg"].isna().sum())
    if no_carbon:
        notes.append(
            f"kgCO2 leaves out {no_carbon} day(s) without complete carbon data (not filled in)."
        )
    if len(skipped):
        shown = ", ".join(f"{d:%d %b %Y}" for d in skipped["day"][:5])
        more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        notes.append(f"Skipped {len(skipped)} day(s) with missing data: {shown}{more}.")
    notes += source_notes
    chart = None
    if ctx.charts:
        # lazy: charts load matplotlib, which the ack-only web process never needs
        from flexcalc.charts.battery import history_png

        chart = history_png(days, f"{_describe(req)} — {region.label}")
    if ctx.progress:
        ctx.progress(1.0, "Done")
    return Reply(
        title=f"Battery over history: {_describe(req)} — {region.label}",
        summary=summary,
        fields=fields,
        table=Table(columns, rows, title="What more capacity or power would have been worth"),
        chart_png=chart,
        chart_alt="Daily and cumulative £ saved by the battery",
        notes=notes,
        csv={
            "battery_sensitivity.csv": table.round(4).to_csv(index_label="battery"),
            "battery_days.csv": days.round(4).to_csv(),
            "battery_skipped.csv": skipped.to_csv(index=False),
        },
        data={
            "region": region.letter,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "saving_gbp": float(base["saving_gbp"]),
            "saving_kg": float(base["saving_kg"]),
            "value_per_extra_kwh_gbp": float(per_kwh),
            "value_per_extra_kw_gbp": float(per_kw),
            "days": len(days),
            "skipped": [d.isoformat() for d in skipped["day"]],
        },
    )
