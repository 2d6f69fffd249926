"""``footprint N kWh`` (peak vs best time of day) and ``footprint storage SIZE`` (data storage)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from flexcalc import footprint as fp
from flexcalc.commands import units
from flexcalc.commands.answer_backtest import day_start, fetch_history, latest_day
from flexcalc.commands.requests import Context, FootprintEnergyRequest, FootprintStorageRequest
from flexcalc.regions import Region, all_regions
from flexcalc.reply import Field, Reply, Table
from flexcalc.sources.base import DataUnavailable
from flexcalc.timeslots import LONDON

GROUPS = {
    "all": "Whole year",
    "weekdays": "Weekdays",
    "weekends": "Weekends",
    "winter": "Winter (Dec-Feb)",
    "spring": "Spring (Mar-May)",
    "summer": "Summer (Jun-Aug)",
    "autumn": "Autumn (Sep-Nov)",
}


def _year(ctx: Context) -> tuple[dt.date, dt.date]:
    end = latest_day(ctx)
    return end - dt.timedelta(days=364), end


def _intensity(carbon: pd.DataFrame) -> pd.Series:
    """Actual intensity where recorded (0 = missing), the forecast otherwise."""
    actual = carbon["actual"] if "actual" in carbon else pd.Series(np.nan, index=carbon.index)
    forecast = carbon["forecast"] if "forecast" in carbon else pd.Series(np.nan, index=carbon.index)
    return actual.where(actual > 0).combine_first(forecast.where(forecast > 0)).rename("carbon")


def _span_text(start: dt.date, end: dt.date) -> str:
    return f"{start:%d %b %Y} to {end:%d %b %Y}"


def period_share(values: pd.Series, start: dt.date, end: dt.date) -> float:
    """Share of the half-hours of the UK days start..end (46/48/50 a day) with a value."""
    a, b = day_start(start), day_start(end + dt.timedelta(days=1))
    known = values.dropna()
    known = known[(known.index >= a) & (known.index < b)]
    return len(known.index.unique()) / int((b - a) / pd.Timedelta(minutes=30))


def _extrapolation_text(share: float, values: pd.Series) -> str:
    """`` (extrapolated to a year from 1.9% of its half-hours: 30 Jan to 06 Feb 2026)`` or ''."""
    if share >= 0.999 or values.dropna().empty:
        return ""
    first, last = values.dropna().index[[0, -1]].tz_convert(LONDON)
    return (
        f" (extrapolated to a year from the {share:.1%} of its half-hours with data, "
        f"{first:%d %b %Y} to {last:%d %b %Y})"
    )


# ---------------------------------------------------------------- footprint N kWh


def _today(ctx: Context, region: Region, kwh: float) -> tuple[list[Field], list[str], str]:
    """Fields, notes and a summary sentence for the first upcoming day with a full peak."""
    forecast = ctx.provider.forecast(region, ctx.current_time())
    frame = forecast.frame()
    days = sorted(set(frame.index.tz_convert(LONDON).date))
    for day in days:
        carbon = fp.day_peak_vs_best(frame["carbon"], day)
        if carbon is None:
            continue
        price = fp.day_peak_vs_best(frame["price"], day)
        fields = [
            Field(
                f"Peak {day:%a %d %b} 16:00–19:00",
                f"{units.carbon(carbon.peak_mean)}, {units.kg(kwh * carbon.peak_mean / 1000)}",
            ),
            Field(
                f"Greenest {carbon.best_start}–{carbon.best_end}",
                f"{units.carbon(carbon.best_mean)}, {units.kg(kwh * carbon.best_mean / 1000)}",
            ),
        ]
        text = (
            f"{day:%a %d %b}: {kwh:g} kWh at the 16:00–19:00 peak would emit "
            f"{units.kg(kwh * carbon.peak_mean / 1000)}; at {carbon.best_start}–"
            f"{carbon.best_end} {units.kg(kwh * carbon.best_mean / 1000)} "
            f"({carbon.saving_pct:.0f}% less)"
        )
        if price is not None:
            fields.append(
                Field(
                    f"Cheapest {price.best_start}–{price.best_end}",
                    f"{units.price(price.best_mean)} vs "
                    f"{units.price(price.peak_mean)} at the peak: "
                    f"{units.gbp(price.saving(kwh, 100))} saved",
                )
            )
            text += f", and {units.gbp(price.saving(kwh, 100))} cheaper at the cheapest time"
        return fields, list(forecast.notes), text + "."
    return [], [*forecast.notes, "The forecast doesn't cover a whole 16:00–19:00 peak."], ""


def answer_footprint_energy(req: FootprintEnergyRequest, ctx: Context) -> Reply:
    """Peak vs best time: the upcoming day from the forecast, and a year of history by group."""
    if not req.kwh > 0:
        raise ValueError("The energy must be positive, e.g. `footprint 10 kWh`.")
    region = ctx.region_for(req.region)
    kwh = req.kwh
    fields, notes, today_text = _today(ctx, region, kwh)
    start, end = _year(ctx)
    prices, carbon, source_notes = fetch_history(
        ctx, region, day_start(start), day_start(end + dt.timedelta(days=1)), "a year of history"
    )
    if carbon.empty:
        raise ValueError(f"There is no carbon-intensity history from {_span_text(start, end)}.")
    intensity = _intensity(carbon)
    share = period_share(intensity, start, end)
    groups = dict(GROUPS)
    if share < 0.999:  # labels match the data: not "Whole year" from a month
        groups["all"] = f"All data ({share:.0%} of the year)"
    carbon_prof = fp.profiles(intensity)
    price_prof = fp.profiles(prices) if not prices.empty else None
    rows, csv_rows = [], []
    for key, label in groups.items():
        c = fp.profile_peak_vs_best(carbon_prof[key])
        if c is None:
            continue
        p = fp.profile_peak_vs_best(price_prof[key]) if price_prof is not None else None
        rows.append(
            [
                label,
                units.carbon(c.peak_mean),
                f"{c.best_start}–{c.best_end}",
                units.carbon(c.best_mean),
                units.kg(c.saving(kwh, 1000)),
                f"{c.saving_pct:.0f}%",
                f"{p.best_start}–{p.best_end}" if p else "n/a",
                units.gbp(p.saving(kwh, 100)) if p else "n/a",
            ]
        )
        csv_rows.append(
            {
                "group": key,
                "peak_g_per_kwh": c.peak_mean,
                "greenest_start": c.best_start,
                "greenest_end": c.best_end,
                "greenest_g_per_kwh": c.best_mean,
                "kg_saved_per_run": c.saving(kwh, 1000),
                "peak_p_per_kwh": p.peak_mean if p else None,
                "cheapest_start": p.best_start if p else None,
                "cheapest_p_per_kwh": p.best_mean if p else None,
                "gbp_saved_per_run": p.saving(kwh, 100) if p else None,
            }
        )
    if not rows:
        raise ValueError("The history has no complete 16:00–19:00 peak to compare.")
    whole = fp.profile_peak_vs_best(carbon_prof["all"])
    assert whole is not None  # rows is not empty, so the whole-year profile has a peak
    yearly = whole.saving(kwh, 1000) * 365
    history_text = (
        f"Over {_span_text(start, end)} the peak averaged {units.carbon(whole.peak_mean)} against "
        f"{units.carbon(whole.best_mean)} at {whole.best_start}–{whole.best_end}: moving "
        f"{kwh:g} kWh a day out of the peak would save about {units.kg(yearly)} a year"
        f"{_extrapolation_text(share, intensity)}."
    )
    summary = f"{today_text} {history_text}".strip()
    fields.append(
        Field(
            "Year average peak vs best",
            f"{units.carbon(whole.peak_mean)} vs {units.carbon(whole.best_mean)} "
            f"({whole.best_start}–{whole.best_end})",
        )
    )
    fields.append(Field("Saved a year (daily)", units.kg(yearly)))
    columns = [
        "Days",
        "Peak",
        "Greenest 3 h",
        "Its intensity",
        f"kg saved per {kwh:g} kWh",
        "% less",
        "Cheapest 3 h",
        "£ saved",
    ]
    notes += [
        "Peak = 16:00–19:00 UK time; the best time is the 3-hour window with the lowest average "
        "(it may wrap past midnight). Averages use actual intensity, the forecast where no "
        "actual was recorded; missing half-hours are left out, not filled.",
        *source_notes,
    ]
    chart = None
    if ctx.charts:
        # lazy: charts load matplotlib, which the ack-only web process never needs
        from flexcalc.charts.footprint import heatmap_png

        chart = heatmap_png(
            fp.monthly_heatmap(intensity),
            f"Carbon intensity by month and time of day, {_span_text(start, end)}",
        )
    profile_csv = carbon_prof.add_prefix("carbon_")
    if price_prof is not None:
        profile_csv = profile_csv.join(price_prof.add_prefix("price_"))
    return Reply(
        title=f"Footprint of {kwh:g} kWh: peak vs best time — {region.label}",
        summary=summary,
        fields=fields,
        table=Table(columns, rows, title=f"Averages, {_span_text(start, end)}"),
        chart_png=chart,
        chart_alt="Heatmap of average carbon intensity by month and time of day",
        notes=notes,
        csv={
            "footprint_peak_vs_best.csv": pd.DataFrame(csv_rows).round(4).to_csv(index=False),
            "footprint_profiles.csv": profile_csv.round(3).to_csv(index_label="time_uk"),
        },
        data={
            "region": region.letter,
            "kwh": kwh,
            "groups": csv_rows,
            "kg_saved_per_year_daily": yearly,
        },
    )


# ---------------------------------------------------------------- footprint storage


def _own_regional(
    ctx: Context, start: pd.Timestamp, end: pd.Timestamp
) -> dict[str, pd.Series] | None:
    """Each region's own intensity over [start, end) from ``regional_carbon_history``, or None
    when the provider has no regional history (asked once, for the first region). Raises
    ``DataUnavailable`` when any region's history cannot be fetched or is empty: a comparison
    of only some regions would name the wrong cleanest or dirtiest one."""
    fetch = getattr(ctx.provider, "regional_carbon_history", None)
    if not callable(fetch):
        return None
    found: dict[str, pd.Series] = {}
    every = all_regions()
    for i, region in enumerate(every):
        if ctx.progress:
            ctx.progress(0.8 + 0.2 * i / len(every), f"Regional carbon: {region.name}")
        series = fetch(region, start, end)
        if series is None and i == 0:
            return None
        if series is not None:
            series = series.where(series > 0).dropna()
        if series is None or series.empty:
            raise DataUnavailable(f"no regional carbon history for {region.name}.")
        found[region.letter] = series
    return found


def _regional_means(
    ctx: Context, home: Region, home_series: pd.Series, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[dict[str, float], bool, pd.Series | None, str | None]:
    """Mean intensity per region letter over [start, end), whether the data is truly regional,
    the home region's own series when it came from ``regional_carbon_history``, and why there is
    no regional comparison when regional history exists but could not be fetched.

    A provider with regional history (live) is asked for every region, home included. Otherwise
    ``carbon_history`` is used: one other region is fetched first, and if it returns the same
    series as ``home`` (national-only data, e.g. the sample or a carbon file) the rest are not
    fetched."""
    try:
        own = _own_regional(ctx, start, end)
    except DataUnavailable as exc:  # the national answer stands; only the comparison is lost
        return {}, False, None, f"Cleanest/dirtiest region: not available — {exc}"
    if own is not None:
        means = {letter: float(series.mean()) for letter, series in own.items()}
        return means, len(means) > 1, own.get(home.letter), None
    means = {home.letter: float(home_series.mean())} if len(home_series) else {}
    others = [r for r in all_regions() if r.letter != home.letter]
    for i, region in enumerate(others):
        if ctx.progress:
            ctx.progress(0.8 + 0.2 * i / len(others), f"Regional carbon: {region.name}")
        frame = ctx.provider.carbon_history(region, start, end)
        series = _intensity(frame).dropna() if len(frame) else pd.Series(dtype=float)
        if i == 0 and series.equals(home_series):
            return means, False, None, None
        if not series.empty:
            means[region.letter] = float(series.mean())
    return means, len(means) > 1, None, None


def answer_footprint_storage(req: FootprintStorageRequest, ctx: Context) -> Reply:
    """Annual kWh and kgCO2 of stored data with half-hourly intensity vs a static factor."""
    fp.validate_storage(req.terabytes, req.media, req.replication, req.pue)
    region = ctx.region_for(req.region)
    start, end = _year(ctx)
    a, b = day_start(start), day_start(end + dt.timedelta(days=1))
    _, carbon, source_notes = fetch_history(ctx, region, a, b, "a year of carbon", False)
    if carbon.empty:
        raise ValueError(f"There is no carbon-intensity history from {_span_text(start, end)}.")
    home = _intensity(carbon).dropna()
    means, regional, own, failure = _regional_means(ctx, region, home, a, b)
    if own is not None:  # the region's own (forecast) intensity instead of GB national
        home = own
        source_notes = [n for n in source_notes if not n.startswith("GB national")] + [
            f"Intensity of {region.name} and of every other region: the Carbon Intensity API's "
            "regional forecast (regions have no recorded actual values)."
        ]
    result = fp.storage_footprint(
        req.terabytes, home, req.media, req.replication, req.pue, period=(a, b)
    )
    size = f"{req.terabytes:g} TB {req.media.upper()}"
    if own is not None:
        whose = f"{region.label}'s own"
    elif regional:
        whose = f"{region.label}'s"
    elif failure:
        whose = "GB national (regional data unavailable)"
    else:
        whose = "GB national (no regional data here)"
    summary = (
        f"{size} stored {req.replication}× at PUE {req.pue:g} draws {result.power_kw:.3f} kW, "
        f"{result.annual_kwh:,.0f} kWh a year: {units.kg(result.kg_half_hourly)} a year with "
        f"{whose} half-hourly carbon intensity over {_span_text(start, end)}"
        f"{_extrapolation_text(result.coverage, home)} "
        f"(average {units.carbon(result.mean_intensity)}), vs "
        f"{result.annual_kwh * fp.STATIC_FACTOR_KG_PER_KWH:,.2f} kgCO2e with a static "
        f"{fp.STATIC_FACTOR_KG_PER_KWH * 1000:.0f} g/kWh factor."
    )
    fields = [
        Field(
            "Power draw",
            f"{result.power_kw:.3f} kW "
            f"({fp.CCF_WH_PER_TB_HOUR[req.media]} Wh/TB·h × {req.terabytes:g} TB × "
            f"{req.replication} × PUE {req.pue:g})",
        ),
        Field("Energy a year", f"{result.annual_kwh:,.1f} kWh"),
        Field("Half-hourly intensity", f"{units.kg(result.kg_half_hourly)} a year"),
        Field("Static factor", f"{result.kg_static:,.2f} kgCO2e a year"),
        Field("Data coverage", f"{result.coverage:.1%} of half-hours"),
    ]
    rows = [
        [
            "Half-hourly intensity, " + (region.name if regional else "GB"),
            units.carbon(result.mean_intensity),
            units.kg(result.kg_half_hourly),
        ],
        [
            "Static factor (" + fp.STATIC_FACTOR_SOURCE + ")",
            f"{fp.STATIC_FACTOR_KG_PER_KWH * 1000:.0f} gCO2e/kWh",
            f"{result.kg_static:,.2f} kgCO2e",
        ],
    ]
    notes = [
        "Coefficients: Cloud Carbon Footprint (HDD 0.65, SSD 1.2 Wh per TB-hour), times "
        "replication and PUE, running 24/7 (8,760 h).",
        "For a constant load the half-hourly sum equals the year's average intensity times the "
        "energy; it differs from the static factor because that factor is a published UK "
        "average for a different period and method (kgCO2e, generation only).",
    ]
    if result.coverage < 0.999:
        notes.append(
            f"{1 - result.coverage:.1%} of the half-hours from {_span_text(start, end)} had no "
            "carbon data; the average uses the others (nothing is filled in) and the annual "
            "figure is extrapolated from them."
        )
    if regional and means:
        clean = min(means, key=means.get)  # type: ignore[arg-type]
        dirty = max(means, key=means.get)  # type: ignore[arg-type]
        names = {r.letter: r.name for r in all_regions()}
        for label, letter in (("Cleanest region", clean), ("Dirtiest region", dirty)):
            kg = result.annual_kwh * means[letter] / 1000
            fields.append(
                Field(
                    label, f"{names[letter]}: {units.kg(kg)} a year ({units.carbon(means[letter])})"
                )
            )
            rows.append([f"{label}: {names[letter]}", units.carbon(means[letter]), units.kg(kg)])
    elif failure:
        notes.append(failure)
    else:
        notes.append(
            "Cleanest/dirtiest region: not available — this data source has national "
            "carbon intensity only, the same for every region."
        )
    notes += source_notes
    monthly = result.slot_kg.tz_convert(LONDON).tz_localize(None).resample("MS").sum()
    hours = result.slot_kg.tz_convert(LONDON).tz_localize(None).resample("MS").count() / 2
    static_monthly = hours * result.power_kw * fp.STATIC_FACTOR_KG_PER_KWH
    chart = None
    if ctx.charts:
        # lazy: charts load matplotlib, which the ack-only web process never needs
        from flexcalc.charts.footprint import storage_png

        chart = storage_png(
            monthly, static_monthly, f"{size} ×{req.replication}, PUE {req.pue:g} — {region.label}"
        )
    columns = ["Method", "Intensity", "Annual emissions"]
    csv_monthly = pd.DataFrame({"kg_half_hourly": monthly, "kg_static_factor": static_monthly})
    return Reply(
        title=f"Storage footprint: {size}, replication {req.replication}, PUE {req.pue:g}",
        summary=summary,
        fields=fields,
        table=Table(columns, rows, title=f"Annual emissions ({_span_text(start, end)} intensity)"),
        chart_png=chart,
        chart_alt="Monthly kgCO2 of the stored data, half-hourly intensity vs a static factor",
        notes=notes,
        csv={
            "storage_footprint.csv": pd.DataFrame(rows, columns=columns).to_csv(index=False),
            "storage_monthly.csv": csv_monthly.round(4).to_csv(index_label="month"),
        },
        data={
            "region": region.letter,
            "power_kw": result.power_kw,
            "annual_kwh": result.annual_kwh,
            "kg_half_hourly": result.kg_half_hourly,
            "kg_static": result.kg_static,
            "mean_intensity": result.mean_intensity,
            "coverage": result.coverage,
            "regional": regional,
            "regional_means": means if regional else {},
        },
    )
