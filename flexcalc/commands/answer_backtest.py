"""``backtest``: what a flexible daily start would have saved on history (see flexcalc.backtest)."""

from __future__ import annotations

import datetime as dt
import math
from itertools import pairwise

import pandas as pd

from flexcalc import backtest as bt
from flexcalc.commands import units
from flexcalc.commands.requests import BacktestRequest, Context
from flexcalc.regions import Region
from flexcalc.reply import Field, Reply, Table
from flexcalc.tariffs.families import tariff_name
from flexcalc.timeslots import LONDON, SLOT, fmt_time, wall_time_utc

DEFAULT_DAYS = 30
CHUNK = pd.Timedelta(days=28)  # the Carbon Intensity API refuses ranges over 31 days
MAX_SKIPPED_SHOWN = 5


def day_start(day: dt.date) -> pd.Timestamp:
    """UTC instant of local midnight starting ``day``."""
    return wall_time_utc(day, dt.time(0, 0))


def latest_day(ctx: Context) -> dt.date:
    """The last whole local day of data: before "now" for live data, before the replayed
    instant for the bundled sample, and the last whole day both files cover for files."""
    provider = ctx.provider
    files = [getattr(provider, n, None) for n in ("prices_file", "carbon_file")]
    lasts = [f.coverage.last for f in files if f is not None and f.coverage.last is not None]
    if lasts:
        return (min(lasts) + SLOT - pd.Timedelta(days=1)).tz_convert(LONDON).date()
    now = ctx.current_time()
    if getattr(provider, "source", None) == "sample" and hasattr(provider, "sample"):
        provider = provider.sample  # a live provider that has fallen back to the sample
    replay = getattr(provider, "replay_instant", None)
    if callable(replay):
        now = replay(now)
    return (now.tz_convert(LONDON) - pd.Timedelta(days=1)).date()


def first_whole_day(first_slot: pd.Timestamp) -> dt.date:
    """The first local day whose midnight is at or after ``first_slot`` (UTC)."""
    here = first_slot.tz_convert(LONDON)
    day = here.date()
    return day if here == here.normalize() else day + dt.timedelta(days=1)


def fetch_history(
    ctx: Context,
    region: Region,
    start: pd.Timestamp,
    end: pd.Timestamp,
    label: str = "history",
    with_prices: bool = True,
) -> tuple[pd.Series, pd.DataFrame, list[str]]:
    """Prices and carbon (forecast, actual) for [start, end), fetched in 4-week chunks so long
    ranges report progress (``ctx.progress`` from 0 to 0.8). Returns (prices, carbon, notes)
    where notes are the providers' own notes (e.g. sample data). ``with_prices=False`` skips
    prices (an empty series comes back)."""
    edges = sorted({*pd.date_range(start, end, freq=CHUNK), end})
    prices: list[pd.Series] = []
    carbon: list[pd.DataFrame] = []
    notes: list[str] = []
    for i, (a, b) in enumerate(pairwise(edges)):
        if ctx.progress:
            ctx.progress(0.8 * i / (len(edges) - 1), f"Fetching {label} {a:%d %b %Y}")
        part_p = ctx.provider.price_history(region, a, b) if with_prices else pd.Series(dtype=float)
        part_c = ctx.provider.carbon_history(region, a, b)
        for part in (part_p, part_c):
            note = part.attrs.get("note") if hasattr(part, "attrs") else None
            if note and note not in notes:
                notes.append(note)
        prices.append(part_p)
        carbon.append(part_c)
    if ctx.progress:
        ctx.progress(0.8, f"Fetched {label}")
    p = pd.concat(prices) if prices else pd.Series(dtype=float)
    c = pd.concat(carbon) if carbon else pd.DataFrame(columns=["forecast", "actual"])
    p = p[~p.index.duplicated(keep="first")].sort_index()
    c = c[~c.index.duplicated(keep="first")].sort_index()
    return p, c, notes


def _date(day: dt.date) -> str:
    return day.strftime("%a %d %b %Y")


def _pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1f}%"


def _assumed_kwh(req: BacktestRequest) -> tuple[float, str | None]:
    kwh = req.load.energy_kwh(req.duration)
    if kwh is not None:
        return kwh, None
    hours = req.duration / pd.Timedelta(hours=1)
    return hours, "No load given: assuming 1 kW (add e.g. `at 50 kW`); £ and kg scale linearly."


def _strategy_rows(t: dict[str, float]) -> list[list[str]]:
    rows = []
    for name, label in (
        ("baseline", "Fixed start"),
        ("cheapest", "Cheapest window"),
        ("greenest", "Greenest window"),
    ):
        cost, kg = t[f"{name}_cost_gbp"], t[f"{name}_kg"]
        saved = {  # summed day by day over the days both figures are known
            "baseline": (0.0, 0.0),
            "cheapest": (t["saved_gbp"], t["cheapest_saved_kg"]),
            "greenest": (t["greenest_saved_gbp"], t["saved_kg"]),
        }[name]
        rows.append([label, _gbp(cost), _kg(kg), _gbp(saved[0]), _kg(saved[1])])
    return rows


def _days_csv(result: bt.BacktestResult) -> str:
    d = result.days.copy()
    for col in ("baseline_start", "cheapest_start", "greenest_start"):
        d[col] = pd.DatetimeIndex(d[col]).tz_convert(LONDON).strftime("%Y-%m-%d %H:%M")
    return d.round(4).to_csv(index_label="day")


def answer_backtest(req: BacktestRequest, ctx: Context) -> Reply:
    """Backtest reply: totals, % saved, best/worst days, cumulative chart, skipped days."""
    region = ctx.region_for(req.region)
    slots = math.ceil(req.duration / SLOT)
    kwh, load_note = _assumed_kwh(req)
    bt.validate(slots, req.within, kwh)
    for attempt in range(2):
        end = req.end or latest_day(ctx)
        start = req.start or (end - dt.timedelta(days=DEFAULT_DAYS - 1))
        if end < start:
            raise ValueError("The end date is before the start date.")
        fetch_to = day_start(end + dt.timedelta(days=1)) + req.within + pd.Timedelta(hours=1)
        prices, carbon, source_notes = fetch_history(ctx, region, day_start(start), fetch_to)
        # A live provider that just fell back to the sample has data at other dates: retry.
        if not prices.empty or req.end or attempt or latest_day(ctx) == end:
            break
    if req.start is None and not prices.empty:
        start = max(start, first_whole_day(prices.index[0]))  # a default range starts with data
    span = f"{_date(start)} to {_date(end)}"
    if prices.empty and carbon.empty:
        raise ValueError(f"There are no prices or carbon data for {region.label} from {span}.")
    missing_metric = []
    if prices.empty:
        missing_metric.append(f"No prices for {span}: £ figures are n/a.")
    if carbon.empty:
        missing_metric.append(f"No carbon-intensity data for {span}: kgCO2 figures are n/a.")
    if ctx.progress:
        ctx.progress(0.85, "Backtesting")
    result = bt.backtest(prices, carbon, slots, req.at, req.within, start, end, kwh)
    if result.days.empty:
        raise ValueError(f"No day from {span} has complete data to backtest.")
    t = result.totals()
    days = result.days
    at = req.at.strftime("%H:%M")
    dur, within = units.duration(req.duration), units.duration(req.within)
    summary = (
        f"Over {len(days)} days ({span}), letting a {dur} job start at the cheapest published "
        f"time within {within} of {at} instead of always at {at} would have saved "
        f"{_gbp(t['saved_gbp'])} ({_pct(t['saved_gbp_pct'])}); choosing the greenest "
        f"forecast time would have saved {_kg(t['saved_kg'])} "
        f"({_pct(t['saved_kg_pct'])})."
    )
    fields = _day_fields(days, t, kwh, at, len(result.skipped))
    columns = ["Strategy", "Cost", "Emissions", "£ saved", "kgCO2 saved"]
    table = Table(columns, _strategy_rows(t), title=f"Totals, {span}")
    notes = [
        f"Prices — {tariff_name(ctx.provider)}: only those published at decision time ({at}; "
        "the next day's are taken as published about 16:00 UK time).",
        _carbon_note(result),
        *missing_metric,
        *_one_metric_notes(days),
    ]
    if result.days_with_holes:
        notes.append(
            f"{result.days_with_holes} day(s) had missing slots in the flexible span; windows "
            "touching them were not considered for that metric (nothing is interpolated)."
        )
    notes += _skipped_notes(result)
    if load_note:
        notes.append(load_note)
    notes += source_notes
    return _reply(req, ctx, region, result, t, summary, fields, table, notes, (start, end, kwh))


def _gbp(value: float) -> str:
    return "n/a" if math.isnan(value) else units.gbp(value)


def _kg(value: float) -> str:
    return "n/a" if math.isnan(value) else units.kg(value)


def _one_metric_notes(days: pd.DataFrame) -> list[str]:
    """Days counted for one metric only (the other had no complete data): say which."""
    notes = []
    for column, what in (("saved_gbp", "prices"), ("saved_kg", "carbon data")):
        lacking = days.index[days[column].isna()]
        if 0 < len(lacking) < len(days):
            shown = ", ".join(f"{d:%d %b %Y}" for d in lacking[:MAX_SKIPPED_SHOWN])
            more = f" and {len(lacking) - MAX_SKIPPED_SHOWN} more" if len(lacking) > 5 else ""
            notes.append(
                f"{len(lacking)} day(s) without complete {what}, counted for the other metric "
                f"only: {shown}{more}."
            )
    return notes


def _day_fields(
    days: pd.DataFrame, t: dict[str, float], kwh: float, at: str, skipped: int
) -> list[Field]:
    fields = [
        Field("Days evaluated", f"{len(days)} ({skipped} skipped)"),
        Field("Energy per run", f"{kwh:,.1f} kWh"),
        Field(f"Fixed {at} start", f"{_gbp(t['baseline_cost_gbp'])}, {_kg(t['baseline_kg'])}"),
        Field("Saved (cheapest)", f"{_gbp(t['saved_gbp'])} ({_pct(t['saved_gbp_pct'])})"),
        Field("Saved (greenest)", f"{_kg(t['saved_kg'])} ({_pct(t['saved_kg_pct'])})"),
    ]
    if days["saved_gbp"].notna().any():
        best, worst = days["saved_gbp"].idxmax(), days["saved_gbp"].idxmin()
        fields += [
            Field(
                "Best day",
                f"{_date(best)}: {units.gbp(days.at[best, 'saved_gbp'])} saved, "
                f"start {fmt_time(days.at[best, 'cheapest_start'])}",
            ),
            Field("Worst day", f"{_date(worst)}: {units.gbp(days.at[worst, 'saved_gbp'])} saved"),
        ]
    if days["saved_kg"].notna().any():
        greenest_day = days["saved_kg"].idxmax()
        fields.append(
            Field(
                "Greenest day",
                f"{_date(greenest_day)}: {units.kg(days.at[greenest_day, 'saved_kg'])} saved",
            )
        )
    return fields


def _reply(req, ctx, region, result, t, summary, fields, table, notes, span) -> Reply:
    start, end, kwh = span
    at = req.at.strftime("%H:%M")
    dur, within = units.duration(req.duration), units.duration(req.within)
    slots = math.ceil(req.duration / SLOT)
    columns = table.columns
    skipped_csv = result.skipped.to_csv(index=False)
    summary_csv = pd.DataFrame(_strategy_rows(t), columns=columns).to_csv(index=False)
    chart = None
    if ctx.charts:
        # lazy: charts load matplotlib, which the ack-only web process never needs
        from flexcalc.charts.backtest import cumulative_savings_png

        chart = cumulative_savings_png(
            result, f"{dur} job, fixed {at} vs flexible — {region.label}"
        )
    if ctx.progress:
        ctx.progress(1.0, "Done")
    return Reply(
        title=f"Backtest: {dur} daily at {at}, flexible within {within} — {region.label}",
        summary=summary,
        fields=fields,
        table=table,
        chart_png=chart,
        chart_alt="Cumulative £ and kgCO2 saved by flexibility, day by day",
        notes=notes,
        csv={
            "backtest_summary.csv": summary_csv,
            "backtest_days.csv": _days_csv(result),
            "backtest_skipped.csv": skipped_csv,
        },
        data={
            "region": region.letter,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "at": at,
            "duration_minutes": slots * 30,
            "within_hours": req.within / pd.Timedelta(hours=1),
            "kwh_per_run": kwh,
            "totals": t,
            "skipped": [
                {"day": d.isoformat(), "reason": r}
                for d, r in zip(result.skipped["day"], result.skipped["reason"], strict=True)
            ],
            "carbon_choice_forecast_share": result.carbon_choice_forecast_share,
            "carbon_eval_actual_share": result.carbon_eval_actual_share,
        },
    )


def _carbon_note(result: bt.BacktestResult) -> str:
    chose = result.carbon_choice_forecast_share
    scored = result.carbon_eval_actual_share
    if math.isnan(chose):
        chose = 0.0
    if chose >= 0.999:
        choice = "the recorded carbon forecast"
    elif chose <= 0.001:
        choice = "actual carbon (no forecast was recorded)"
    else:
        choice = f"the recorded forecast for {chose:.0%} of slots, actual otherwise"
    if scored >= 0.999:
        outcome = "scored on actual carbon intensity"
    elif scored <= 0.001:
        outcome = "scored on the forecast (no actual values recorded)"
    else:
        outcome = f"scored on actual carbon for {scored:.0%} of slots, forecast otherwise"
    return f"Greenest windows were chosen on {choice}, {outcome}."


def _skipped_notes(result: bt.BacktestResult) -> list[str]:
    s = result.skipped
    if s.empty:
        return []
    shown = ", ".join(
        f"{d:%d %b %Y} ({r})"
        for d, r in zip(s["day"][:MAX_SKIPPED_SHOWN], s["reason"][:MAX_SKIPPED_SHOWN], strict=True)
    )
    more = f" and {len(s) - MAX_SKIPPED_SHOWN} more" if len(s) > MAX_SKIPPED_SHOWN else ""
    return [f"Skipped {len(s)} day(s) with missing data: {shown}{more} (see backtest_skipped.csv)."]
