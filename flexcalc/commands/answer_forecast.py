"""Answers over the upcoming forecast: ``bestslot``, ``prices`` and ``carbon``."""

from __future__ import annotations

import dataclasses

import pandas as pd

from flexcalc import windows
from flexcalc.commands import units
from flexcalc.commands.forecast_slots import MARK, WithForecast, with_forecast
from flexcalc.commands.requests import BestSlotRequest, CarbonRequest, Context, PricesRequest
from flexcalc.commands.time_words import named_span
from flexcalc.engagement.offers import pledge_actions
from flexcalc.forecast.carbon_bands import CarbonBand, recorded_band
from flexcalc.intensity import intensity_index, low_carbon_share
from flexcalc.reply import Action, Field, Reply, Table, error_reply
from flexcalc.sources.base import Forecast
from flexcalc.tariffs.calendars import PUBLISH_HOUR, day_ahead_shown_until
from flexcalc.tariffs.families import prices_label, source_text
from flexcalc.timeslots import (
    SLOT,
    ceil_slot,
    floor_slot,
    fmt_day_time,
    fmt_span,
    fmt_time,
    next_wall_time,
)

LABELS = {"price": "Cheapest", "carbon": "Greenest", "balanced": "Balanced"}


def _source_notes(forecast: Forecast) -> list[str]:
    notes = list(forecast.notes)
    if forecast.fetched_at is not None and forecast.source in ("live", "cache"):
        notes.append(f"Data fetched {fmt_day_time(forecast.fetched_at)} UK time.")
    return notes


def _time_word_span(
    period: str | None, now: pd.Timestamp
) -> tuple[pd.Timestamp, pd.Timestamp | None, str]:
    """[start, end) UTC an answer covers (end None: as far as the data go) and its words
    (`` tomorrow (Sun 09 Jun 00:00–24:00)``, empty without a time word). A time word's span
    starts at the next half-hour at the earliest (the start rule, ``named_span``)."""
    if period is None:
        return floor_slot(now), None, ""
    first, end = named_span(period, now)
    return first, end, f" {period} ({fmt_span(first, end)})" if end > first else ""


def _span_over(
    period: str | None,
    start: pd.Timestamp,
    end: pd.Timestamp | None,
    now: pd.Timestamp,
    examples: list[str],
) -> Reply | None:
    """The friendly refusal when a time word's span has no half-hour left (None otherwise)."""
    if period is None or end is None or end > start:
        return None
    return error_reply(f"{period.capitalize()} is over: it is {fmt_day_time(now)} now.", examples)


def request_span(
    req: BestSlotRequest, now: pd.Timestamp
) -> tuple[pd.Timestamp, pd.Timestamp | None, str]:
    """Earliest start, latest end (UTC, None: the data's horizon) and a description.

    The start rule: a window starts on a half-hour boundary no earlier than ``now``
    (``ceil_slot``). Deadlines are the next time the UK clock shows them (``next_wall_time``);
    ``after HH:MM`` starts at the next time the clock shows it, or now when ``by`` comes first
    (already inside the span). Spans end exactly where the UK clock says, on any night.
    """
    start = ceil_slot(now)
    if req.period is not None:
        first, end, text = _time_word_span(req.period, now)
        return first, end, text.strip() or req.period
    if req.after is not None:
        after = next_wall_time(now, req.after)
        if req.by is not None and next_wall_time(now, req.by) < after:
            after = start  # between the two already: start now
        start = max(start, after)
    if req.within is not None:
        return start, now + req.within, f"within {units.duration(req.within)}"
    if req.by is not None:
        end = next_wall_time(now if req.after is None else start, req.by)
        text = f"finishing by {fmt_time(end)}"  # BST/GMT where the wall time repeats
        if req.after is not None:
            text = f"from {fmt_day_time(start)} {text}"
        return start, end, text
    if req.after is not None:
        return start, None, f"from {fmt_day_time(start)}"
    if req.between is not None:
        a, b = req.between
        return start, None, f"between {a.strftime('%H:%M')} and {b.strftime('%H:%M')}"
    return start, None, "in the known horizon"


def fallback_objective(frame, objective: str, span_text: str) -> tuple[str, str | None]:
    """The objective to use when the span lacks one metric: ``both`` with only prices becomes
    ``price`` (carbon n/a), ``carbon`` with no carbon becomes ``price``, and so on; with a note
    saying so (None when nothing changed)."""
    have = {m: bool(m in frame and frame[m].notna().any()) for m in ("price", "carbon")}
    wanted = ["price", "carbon"] if objective == "both" else [objective]
    lacking = [m for m in wanted if not have[m]]
    present = [m for m in ("price", "carbon") if have[m]]
    if not lacking or not present:
        return objective, None
    name = {"price": "price", "carbon": "carbon-intensity"}
    chosen = present[0] if objective == "both" or lacking else objective
    label = LABELS[chosen].lower()
    return chosen, (
        f"No {name[lacking[0]]} data {span_text}: showing the {label} window instead "
        f"({lacking[0]} n/a)."
    )


def usual_baseline(
    req: BestSlotRequest, forecast: Forecast, start: pd.Timestamp, k: int
) -> tuple[windows.Window | None, str, str | None]:
    """With ``usually HH:MM``: the window starting at the next time the UK clock shows it (from
    the start rule's first half-hour), its label, and a note when the data doesn't reach it."""
    if req.usual is None:
        return None, "", None
    at = next_wall_time(start - pd.Timedelta(seconds=1), req.usual)
    window = windows.window_at(forecast.frame(), at, k)
    if window is None:
        note = (
            f"Your usual {req.usual:%H:%M} start ({fmt_day_time(at)}) is beyond the known "
            "data, so the comparison is with starting when asked."
        )
        return None, "", note
    return window, f"Usual {fmt_time(at)} start", None


def _compared(label: str) -> str:
    """``Start now`` -> ``starting now``; ``Usual 18:00 start`` -> ``your usual 18:00 start``."""
    if label.startswith("Usual"):
        return "your " + label.lower()
    return label.lower().replace("start", "starting")


def _row(
    label: str, window: windows.Window | None, kwh: float | None, ahead: WithForecast | None = None
) -> list[str]:
    if window is None:
        return [label, "not available", "", ""] + (["", ""] if kwh else [])
    span = fmt_span(window.start, window.end) if window.is_contiguous else _split_text(window)
    if ahead is not None:
        span = ahead.label(span, window)
    row = [label, span, units.price(window.price), units.carbon(window.carbon)]
    if kwh:
        row += [units.gbp(window.cost_gbp(kwh)), units.kg(window.emissions_kg(kwh))]
    return row


def _split_text(window: windows.Window) -> str:
    runs: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for slot in window.slots:
        if runs and runs[-1][1] == slot:
            runs[-1] = (runs[-1][0], slot + SLOT)
        else:
            runs.append((slot, slot + SLOT))
    return ", ".join(fmt_span(a, b) for a, b in runs)


def _window_data(window: windows.Window | None, kwh: float | None) -> dict | None:
    if window is None:
        return None
    data = {
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "slots": [s.isoformat() for s in window.slots],
        "price_p_per_kwh": window.price,
        "carbon_g_per_kwh": window.carbon,
    }
    if kwh:
        data |= {"cost_gbp": window.cost_gbp(kwh), "emissions_kg": window.emissions_kg(kwh)}
    return data


def answer_bestslot(req: BestSlotRequest, ctx: Context, forecast: Forecast) -> Reply:
    """The best window(s) for a job of ``req.duration`` compared with starting now and the worst."""
    now = forecast.now
    k = int(req.duration / SLOT)
    start, end, span_text = request_span(req, now)
    examples = ["bestslot 2h tonight", "bestslot 2h tomorrow morning"]
    if over := _span_over(req.period, start, end, now, examples):
        return over
    if end is not None and end - start < req.duration:
        return error_reply(
            f"A {units.duration(req.duration)} job can't fit {span_text}: "
            f"it is {fmt_day_time(now)} now.",
            ["bestslot 2h by 07:00", "bestslot 4h within 12h"],
        )
    ahead = with_forecast(forecast, ctx.provider, end)
    forecast = ahead.forecast
    frame = windows.candidate_slots(forecast.frame(), start, end, req.between)
    objective, fallback_note = fallback_objective(frame, req.objective, span_text)
    objectives = ["price", "carbon", "balanced"] if objective == "both" else [objective]
    if objective == "both":  # compare like with like: only slots with a price and a carbon
        frame = frame.dropna(subset=["price", "carbon"])
    chosen = {
        LABELS[obj]: windows.best_window(frame, k, obj, split=req.split) for obj in objectives
    }
    headline_key = LABELS["balanced" if objective == "both" else objective]
    best = chosen[headline_key]
    region = forecast.region
    if best is None:
        return Reply(
            title=f"No {units.duration(req.duration)} window fits {span_text}",
            summary=(
                f"The data for {region.label} doesn't cover a whole {units.duration(req.duration)}"
                f" window {span_text}. {windows.coverage_text(forecast.frame())}."
            ),
            notes=_source_notes(forecast),
            is_error=True,
        )
    kwh = req.load.energy_kwh(req.duration)
    primary = "price" if objective in ("price", "both") else "carbon"
    first = frame.index[0] if len(frame) else start  # "now", or the first slot allowed
    now_window = windows.window_at(frame, first, k)
    now_label = "Start now" if first == now else f"Start at {fmt_time(first)}"
    worst = windows.best_window(frame, k, primary, highest=True, split=req.split)
    comparison = windows.Comparison(chosen=best, now=now_window, worst=worst)
    baseline, baseline_label, usual_note = usual_baseline(req, forecast, start, k)
    if baseline is None:  # the baseline of pledges: the stated usual time, else starting now
        baseline, baseline_label = now_window, now_label

    when = ahead.label(
        fmt_span(best.start, best.end) if best.is_contiguous else _split_text(best), best
    )
    summary = f"Best {units.duration(req.duration)} {span_text} in {region.label}: {when} (UK time)"
    summary += f" at {units.price(best.price)} and {units.carbon(best.carbon)}."
    if baseline is not None and baseline.start != best.start:
        summary += (
            f" Compared with {_compared(baseline_label)}: "
            f"{units.saving(best.price, baseline.price, 'p/kWh', 2)}"
            f" and {units.saving(best.carbon, baseline.carbon, 'gCO2/kWh', 0)}."
        )
    elif baseline is not now_window:
        summary += f" Your usual {req.usual:%H:%M} start is already the best."  # type: ignore[union-attr]
    elif now_window is not None and first == now:
        summary += " Now is the best time to start."
    elif now_window is not None:
        summary += f" Starting at {fmt_time(first)} is the best you can do."

    fields = [
        Field(f"{label} window", _row(label, w, None, ahead)[1]) for label, w in chosen.items()
    ]
    cheapest = chosen.get("Cheapest")
    stays = ahead.stays_best(frame["price"].dropna(), cheapest)
    if ahead.known_until is not None:
        fields.append(Field("Forecast prices", ahead.text(cheapest, stays)))
    greenest = chosen.get("Greenest")
    carbon_band = recorded_band(k) if greenest is not None and greenest.carbon is not None else None
    if carbon_band is not None:
        fields.append(Field("How sure (carbon)", _carbon_sure_text(greenest, carbon_band)))
    fields.append(
        Field(
            f"vs {now_label.lower().replace('start', 'starting')}",
            _saving_text(comparison.saving_vs(now_window, kwh)),
        )
    )
    if baseline is not now_window:
        fields.append(
            Field(
                f"vs {_compared(baseline_label)}",
                _saving_text(comparison.saving_vs(baseline, kwh)),
            )
        )
    fields.append(Field("vs worst window", _saving_text(comparison.saving_vs(worst, kwh))))
    if kwh:
        fields.append(
            Field(
                f"{kwh:g} kWh costs",
                f"{units.gbp(best.cost_gbp(kwh))}, {units.kg(best.emissions_kg(kwh))}",
            )
        )
    columns = ["", "When (UK)", "Price", "Carbon"] + (["Cost", "Emissions"] if kwh else [])
    rows = [_row(label, w, kwh, ahead) for label, w in chosen.items()]
    rows.append(_row(now_label, now_window, kwh, ahead))
    if baseline is not now_window:
        rows.append(_row(baseline_label, baseline, kwh, ahead))
    rows.append(_row("Worst", worst, kwh, ahead))
    notes = [*_source_notes(forecast), windows.coverage_text(forecast.frame()) + "."]
    if usual_note:
        notes.insert(0, usual_note)
    if fallback_note:
        notes.insert(0, fallback_note)
    data = {
        "command": "bestslot",
        "region": region.letter,
        "duration_minutes": int(req.duration.total_seconds() // 60),
        "objective": objective,
        "split": req.split,
        "source": forecast.source,
        "energy_kwh": kwh,
        "windows": {label: _window_data(w, kwh) for label, w in chosen.items()},
        "start_now": _window_data(now_window, kwh),
        "worst": _window_data(worst, kwh),
        "saving_vs_now": comparison.saving_vs(now_window, kwh),
        "saving_vs_worst": comparison.saving_vs(worst, kwh),
        "baseline": _window_data(baseline, kwh),
        "saving_vs_baseline": comparison.saving_vs(baseline, kwh),
        "price_forecast": ahead.data(),
        "forecast_windows": [label for label, w in chosen.items() if ahead.touches(w)],
        "stays_cheapest_probability": stays,
        "carbon_band": None if carbon_band is None else dataclasses.asdict(carbon_band),
        "searched": _searched(req, frame, start, end),
    }
    if objective == "both":
        per_tonne = windows.implied_cost_per_tonne(chosen["Cheapest"], chosen["Greenest"])
        data["implied_gbp_per_tonne_co2"] = per_tonne
        fields.append(Field("Greenest vs cheapest", _per_tonne_text(chosen, per_tonne)))
    chart = None
    if ctx.charts:
        # lazy: charts load matplotlib, which the ack-only web process never needs
        from flexcalc.charts.forecast import forecast_chart

        chart = forecast_chart(
            forecast.frame(),
            windows={label: w for label, w in chosen.items() if w is not None},
            now=now,
            title=f"Best {units.duration(req.duration)} — {region.label}",
            source=_chart_source(forecast),
            band=ahead.band(start, end),
        )
    return Reply(
        title=f"Best {units.duration(req.duration)} window — {region.label}",
        summary=summary,
        fields=fields,
        table=Table(columns=columns, rows=rows),
        chart_png=chart,
        chart_alt=f"Prices and carbon for {region.label} with the best window shaded",
        notes=notes,
        actions=[
            *pledge_actions(region.letter, best, baseline, kwh),  # usual time, else starting now
            Action("Share to channel", "", kind="share"),
            Action("Best for carbon", _command_for(req, "carbon")),
            Action("Best for price", _command_for(req, "price")),
        ],
        data=data,
    )


def _searched(
    req: BestSlotRequest, frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp | None
) -> dict:
    """The span the answer searched (UTC, its end capped at the data it saw) and its daily
    hours: what advice scoring compares the chosen window with once the span has passed."""
    last = frame.index[-1] + SLOT if len(frame) else start
    end = last if end is None else min(end, last)
    between = None
    if req.between is not None:
        between = f"{req.between[0]:%H:%M}-{req.between[1]:%H:%M}"
    return {"start": start.isoformat(), "end": end.isoformat(), "between": between}


def _carbon_sure_text(window: windows.Window, band: CarbonBand) -> str:
    low, high = band.around(window.carbon)
    return (
        f"the greenest window's actual intensity is likely {low:.0f}–{high:.0f} gCO2/kWh "
        f"(10–90% of past forecast misses; mean miss {band.mae:.0f})"
    )


def _chart_source(forecast: Forecast) -> str:
    return source_text(forecast.source, forecast.prices)


def _command_for(req: BestSlotRequest, objective: str) -> str:
    words = ["bestslot", f"{int(req.duration.total_seconds() // 60)}m"]
    if req.region is not None:
        words += ["in", req.region.letter]
    return " ".join([*words, "for", objective])


def _saving_text(saving: dict) -> str:
    """``saves 5.60 p/kWh, costs 2 gCO2/kWh more, saves £0.78`` from a Comparison dict."""
    formats = [
        ("price_p_per_kwh", lambda v: f"{v:.2f} p/kWh"),
        ("carbon_g_per_kwh", lambda v: f"{v:.0f} gCO2/kWh"),
        ("cost_gbp", lambda v: units.gbp(v)),
        ("emissions_kg", lambda v: units.kg(v)),
    ]
    parts = []
    for key, fmt in formats:
        value = (saving or {}).get(key)
        if value is not None:
            parts.append(f"saves {fmt(value)}" if value >= 0 else f"costs {fmt(-value)} more")
    return ", ".join(parts) or "n/a"


def _per_tonne_text(chosen: dict, per_tonne: float | None) -> str:
    cheap, green = chosen.get("Cheapest"), chosen.get("Greenest")
    if cheap is None or green is None:
        return "n/a"
    if cheap.start == green.start and cheap.slots.equals(green.slots):
        return "the cheapest window is also the greenest"
    if per_tonne is None:
        return "the greenest window is also cheaper"
    return f"£{per_tonne:,.0f} per tonne of CO2 avoided by choosing the greenest"


def _upcoming(series: pd.Series, forecast: Forecast) -> pd.Series:
    """Known values from the slot containing ``now`` on."""
    return series[series.index >= floor_slot(forecast.now)].dropna()


def _nothing_upcoming(forecast: Forecast, what: str) -> Reply:
    return Reply(
        title=f"No upcoming {what} for {forecast.region.label}",
        summary=f"No upcoming {what} is available right now (the notes say why).",
        notes=_source_notes(forecast),
        is_error=True,
    )


def _prices_ahead(ctx: Context, forecast: Forecast, until: pd.Timestamp | None) -> WithForecast:
    """Forecast prices up to ``until`` (default: the end of tomorrow's price day) where they
    aren't published (dynamic tariffs only: the model forecasts Agile-style day-ahead import
    prices)."""
    tariff = getattr(ctx.provider, "tariff", None)
    if tariff is not None and (tariff.kind != "dynamic" or getattr(ctx.provider, "export", False)):
        return WithForecast(forecast)
    return with_forecast(forecast, ctx.provider, until or day_ahead_shown_until(forecast.now))


def _forecast_slots_text(band: pd.DataFrame) -> str:
    """``Tue 23:00–Wed 23:00: median average 18.20 p/kWh, lowest 9.10 p/kWh at Wed 03:00
    (10–90%: 5.20 to 12.00 p/kWh)``."""
    p50 = band["p50"]
    low = p50.idxmin()
    likely = units.price_range(band.at[low, "p10"], band.at[low, "p90"])
    return (
        f"{fmt_span(band.index[0], band.index[-1] + SLOT)}: median "
        f"average {units.price(p50.mean())}, lowest {units.price(p50.min())} at "
        f"{fmt_day_time(low)} (10–90%: {likely})"
    )


def _within(series: pd.Series, start: pd.Timestamp, end: pd.Timestamp | None) -> pd.Series:
    """The part of ``series`` in [start, end) (end None: to its last value)."""
    keep = series.index >= start
    if end is not None:
        keep &= series.index < end
    return series[keep]


def _price_rows(prices: pd.Series) -> list[list[str]]:
    """Published prices' table rows: the cheapest six, then the dearest three."""
    ranked = prices.sort_values(kind="stable")
    cheap = [
        [fmt_day_time(ts), units.price(v), "paid to use" if v < 0 else ""]
        for ts, v in ranked.head(6).items()
    ]
    dear = [
        [fmt_day_time(ts), units.price(v), "dearest"]
        for ts, v in ranked.iloc[6:].tail(3).iloc[::-1].items()
    ]
    return cheap + dear


def _forecast_rows(band: pd.DataFrame, cheap: int, dear: int) -> list[list[str]]:
    """Forecast slots' table rows (median, 10–90% range), each marked as a forecast."""
    ranked = band.sort_values("p50", kind="stable")
    chosen = pd.concat([ranked.head(cheap), ranked.iloc[cheap:].tail(dear).iloc[::-1]])
    return [
        [f"{fmt_day_time(ts)} ({MARK})", units.price(q["p50"]),
         f"{MARK}: 10–90% {units.price_range(q['p10'], q['p90'])}"]
        for ts, q in chosen.iterrows()
    ]  # fmt: skip


def _band_alt(band: pd.DataFrame | None, after: bool) -> str:
    """The chart's alt text about its forecast band (none without one)."""
    if band is None:
        return ""
    return f", {'then ' if after else ''}a {MARK} with its 10–90% range shaded"


def _published_parts(
    prices: pd.Series, what: str, span_text: str, now: pd.Timestamp
) -> tuple[list[str], list[Field]]:
    """Summary sentences and fields about the published ``prices`` (``what``: e.g. "Agile prices
    tomorrow (…)"); when none are published yet, one sentence saying so and no figures."""
    if prices.empty:
        return [
            f"{what} are not published yet (they normally appear from {PUBLISH_HOUR}:00 UK time "
            "the day before)."
        ], []
    cheapest, dearest = prices.idxmin(), prices.idxmax()
    negative = prices[prices < 0]
    summary = [
        f"{len(prices)} published half-hours{span_text} to "
        f"{fmt_day_time(prices.index[-1] + SLOT)}: average {units.price(prices.mean())}, "
        f"cheapest {units.price(prices.min())} at {fmt_day_time(cheapest)}, dearest "
        f"{units.price(prices.max())} at {fmt_day_time(dearest)}."
    ]
    if not negative.empty:
        summary.append(
            f"{len(negative)} plunge slot(s) with negative prices: you are paid to use power."
        )
    fields = (
        [Field("Now", units.price(prices.iloc[0]))] if prices.index[0] == floor_slot(now) else []
    )
    fields += [
        Field("Average", units.price(prices.mean())),
        Field("Cheapest", f"{units.price(prices.min())} at {fmt_day_time(cheapest)}"),
        Field("Dearest", f"{units.price(prices.max())} at {fmt_day_time(dearest)}"),
        Field("Negative slots", str(len(negative))),
    ]
    return summary, fields


def answer_prices(req: PricesRequest, ctx: Context, forecast: Forecast) -> Reply:
    """Upcoming prices (or a time word's, e.g. ``tomorrow``): average, cheapest, dearest and
    negative (plunge) slots. Where prices aren't published yet a forecast follows (or stands
    alone), labelled as one everywhere; every published figure excludes it."""
    now = forecast.now
    start, end, span_text = _time_word_span(req.period, now)
    if over := _span_over(req.period, start, end, now, ["prices tomorrow", "prices"]):
        return over
    prices = _within(_upcoming(forecast.prices, forecast), start, end)
    region = forecast.region
    label = f"{prices_label(forecast.prices)} prices"
    title = f"{label}{f' {req.period}' if req.period else ''} — {region.label}"
    ahead = _prices_ahead(ctx, forecast, end)
    band = None
    if ahead.outlook is not None:
        band = ahead.band(max(start, prices.index[-1] + SLOT) if len(prices) else start, end)
        band = band if band is not None and not band.empty else None
    if prices.empty and band is None:
        return _nothing_upcoming(ahead.forecast, f"{label}{span_text}")
    negative = prices[prices < 0]
    summary, fields = _published_parts(prices, f"{label}{span_text}", span_text, now)
    rows = _price_rows(prices)
    csv = {}
    if not prices.empty:
        csv["prices.csv"] = prices.rename("price_p_per_kwh").to_csv(index_label="slot_start_utc")
    if band is not None:
        summary.append(
            f"{'After that, ' if len(prices) else ''}{len(band)} half-hours are a {MARK} (not "
            "published prices): the median is shown, with its 10–90% range."
        )
        fields.append(Field("Forecast (not published)", _forecast_slots_text(band)))
        rows += _forecast_rows(band, 3, 0) if len(prices) else _forecast_rows(band, 6, 3)
        csv["price_forecast.csv"] = band[["p10", "p50", "p90"]].to_csv(index_label="slot_start_utc")
    chart = None
    if ctx.charts:
        # lazy: charts load matplotlib, which the ack-only web process never needs
        from flexcalc.charts.forecast import prices_chart

        if band is None:
            shown = prices
        else:
            shown = band["p50"] if prices.empty else pd.concat([prices, band["p50"]])
        chart = prices_chart(shown, now=now, title=title, source=_chart_source(forecast), band=band)
    return Reply(
        title=title,
        summary=" ".join(summary),
        fields=fields,
        table=Table(
            columns=["Half-hour (UK)", "Price", ""], rows=rows, title="Cheapest and dearest"
        ),
        chart_png=chart,
        chart_alt=f"{label}{span_text} for {region.label}" + _band_alt(band, after=len(prices) > 0),
        notes=_source_notes(ahead.forecast),
        actions=[
            Action("Share to channel", "", kind="share"),
            Action("Best 2 h", f"bestslot 2h {req.period}" if req.period else "bestslot 2h"),
        ],
        csv=csv,
        data={
            "command": "prices",
            "region": region.letter,
            "period": req.period,
            "source": forecast.source,
            "prices": {ts.isoformat(): float(v) for ts, v in prices.items()},
            "negative_slots": [ts.isoformat() for ts in negative.index],
            "price_forecast": ahead.data(band) if band is not None else None,
        },
    )


def answer_carbon(req: CarbonRequest, ctx: Context, forecast: Forecast) -> Reply:
    """Carbon intensity now, the generation mix and the 48 h outlook (or a time word's span of
    it, e.g. ``tomorrow``: lowest, highest and greenest 2 h within it)."""
    now = forecast.now
    start, end, span_text = _time_word_span(req.period, now)
    if over := _span_over(req.period, start, end, now, ["carbon tomorrow", "carbon"]):
        return over
    upcoming = _upcoming(forecast.carbon, forecast)
    region = forecast.region
    title = f"Carbon intensity{f' {req.period}' if req.period else ''} — {region.label}"
    if upcoming.empty:
        return _nothing_upcoming(forecast, "carbon intensity forecast")
    carbon = _within(upcoming, start, end)
    if carbon.empty:
        return Reply(
            title=title,
            summary=(
                f"No carbon forecast{span_text} yet: it reaches "
                f"{fmt_day_time(upcoming.index[-1] + SLOT)} UK time (48 hours ahead)."
            ),
            notes=_source_notes(forecast),
            is_error=True,
        )
    now_value = float(upcoming.iloc[0])
    low, high = carbon.idxmin(), carbon.idxmax()
    greenest_2h = windows.best_window(carbon.to_frame("carbon"), 4, "carbon")
    mix = sorted(forecast.mix.items(), key=lambda kv: -kv[1])
    low_carbon = low_carbon_share(forecast.mix)
    lead = (
        "Lowest"
        if req.period is None
        else f"{req.period.capitalize()} ({fmt_span(start, end)}): lowest"
    )
    summary = [
        f"Now {units.carbon(now_value)} ({intensity_index(now_value)}).",
        f"{lead} "
        f"{units.carbon(carbon.min())} at {fmt_day_time(low)}, highest "
        f"{units.carbon(carbon.max())} at {fmt_day_time(high)}.",
    ]
    if greenest_2h is not None:
        summary.append(f"Greenest 2 h: {fmt_span(greenest_2h.start, greenest_2h.end)}.")
    if end is not None and carbon.index[-1] + SLOT < end:
        summary.append(f"The forecast reaches only {fmt_day_time(carbon.index[-1] + SLOT)}.")
    fields = [
        Field("Now", f"{units.carbon(now_value)} ({intensity_index(now_value)})"),
        Field("Lowest", f"{units.carbon(carbon.min())} at {fmt_day_time(low)}"),
        Field("Highest", f"{units.carbon(carbon.max())} at {fmt_day_time(high)}"),
    ]
    if mix:
        fields.append(Field("Low-carbon share now", f"{low_carbon:.0f}%"))
    chart = None
    if ctx.charts:
        # lazy: charts load matplotlib, which the ack-only web process never needs
        from flexcalc.charts.forecast import carbon_chart

        chart = carbon_chart(
            carbon,
            forecast.mix or None,
            now=now,
            title=title,
            source=_chart_source(forecast),
        )
    return Reply(
        title=title,
        summary=" ".join(summary),
        fields=fields,
        table=Table(
            columns=["Fuel", "Share now"],
            rows=[[f, f"{v:.1f}%"] for f, v in mix],
            title="Generation mix",
        )
        if mix
        else None,
        chart_png=chart,
        chart_alt=f"Carbon intensity outlook{span_text or ', 48 hours,'} for {region.label}",
        notes=_source_notes(forecast),
        actions=[
            Action("Share to channel", "", kind="share"),
            Action(
                "Greenest 2 h",
                f"bestslot 2h {req.period} for carbon" if req.period else "bestslot 2h for carbon",
            ),
        ],
        csv={"carbon.csv": carbon.rename("carbon_g_per_kwh").to_csv(index_label="slot_start_utc")},
        data={
            "command": "carbon",
            "region": region.letter,
            "period": req.period,
            "source": forecast.source,
            "now_g_per_kwh": now_value,
            "index": intensity_index(now_value),
            "mix_percent": dict(mix),
            "forecast": {ts.isoformat(): float(v) for ts, v in carbon.items()},
        },
    )
