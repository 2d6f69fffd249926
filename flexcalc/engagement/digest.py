"""The weekly leadership digest: last week's kept pledges, the grid, and three actions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from flexcalc import tips, windows
from flexcalc.commands import units
from flexcalc.engagement.impact import (
    BASELINE_TEXT,
    BASELINE_WORDS,
    VERSUS,
    Impact,
    Outcome,
    impact_totals,
    people_text,
)
from flexcalc.engagement.savings import _between, kg_text, money, outcome_carbon
from flexcalc.reply import Field, Reply, Table, command_hint
from flexcalc.tariffs.families import tariff_name
from flexcalc.timeslots import LONDON, SLOT, utc

WEEKS_PER_YEAR = 52.18


def _daily_intensity(carbon: pd.DataFrame | pd.Series, first: date, days: int) -> pd.Series:
    """Mean gCO2/kWh per UK day (actual where published, else forecast), NaN if none."""
    used, _ = outcome_carbon(carbon)
    local_days = used.index.tz_convert(LONDON).date
    means = used.groupby(local_days).mean()
    wanted = [first + timedelta(days=i) for i in range(days)]
    return pd.Series([means.get(d, np.nan) for d in wanted], index=wanted, dtype=float)


def typical_day(
    carbon: pd.DataFrame | pd.Series, start: pd.Timestamp, end: pd.Timestamp, hours: int = 2
) -> tuple[str, str, float, float] | None:
    """The cleanest and dirtiest ``hours`` of an average day in [start, end): ("01:00–03:00",
    "17:00–19:00", mean gCO2/kWh of each); windows may wrap past midnight."""
    used, _ = outcome_carbon(carbon)
    used = used[(used.index >= utc(start)) & (used.index < utc(end))].dropna()
    if used.empty:
        return None
    local = used.index.tz_convert(LONDON)
    profile = used.groupby(local.hour * 60 + local.minute).mean()
    profile = profile.reindex(range(0, 1440, 30))
    if profile.isna().any():
        profile = profile.interpolate(limit_direction="both")  # display only, never a plan
    k = hours * 2
    values = profile.to_numpy()
    wrapped = np.concatenate([values, values[: k - 1]])
    means = windows.rolling_means(wrapped, k)
    lo, hi = int(np.argmin(means)), int(np.argmax(means))

    def span(i: int) -> str:
        a, b = profile.index[i], profile.index[(i + k) % 48]
        return f"{a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}"

    return span(lo), span(hi), float(means[lo]), float(means[hi])


def digest(
    outcomes: Sequence[Outcome],
    carbon: pd.DataFrame | pd.Series,
    week_start: date,
    *,
    prices: pd.Series | None = None,
    team_label: str = "Your team",
    region_label: str = "Great Britain",
) -> Reply:
    """The weekly digest for leadership, about the UK week starting Monday ``week_start``.

    ``outcomes``: the workspace's settled pledges (any dates; last week and the week before are
    picked out). ``carbon``: intensity covering both weeks (forecast/actual frame or series).
    Plain words, no mentions: it can be forwarded unchanged.
    """
    start = utc(pd.Timestamp(week_start))
    end = utc(pd.Timestamp(week_start + timedelta(days=7)))
    before = utc(pd.Timestamp(week_start - timedelta(days=7)))
    this_week = [o for o in outcomes if start <= utc(o.start) < end]
    last_week = [o for o in outcomes if before <= utc(o.start) < start]
    totals, previous = impact_totals(this_week), impact_totals(last_week)
    days = _daily_intensity(carbon, week_start, 7)
    prior = _daily_intensity(carbon, week_start - timedelta(days=7), 7)
    last_day = (week_start + timedelta(days=6)).strftime("%d %b %Y")
    title = f"Weekly flexibility digest — week of {week_start.strftime('%a %d %b')} to {last_day}"
    lines: list[str] = []
    fields: list[Field] = []
    if totals.pledges:
        lines.append(
            f"{team_label} moved {totals.kwh:,.1f} kWh of electricity use to cleaner, cheaper "
            f"times: {totals.pledges} kept pledges by {people_text(totals.participants)} avoided "
            f"{kg_text(totals.kg_co2)} and saved {money(totals.gbp)} {BASELINE_WORDS}"
            + _versus(totals.kg_co2, previous.kg_co2)
            + "."
        )
    else:
        lines.append(f"{team_label} recorded no kept pledges last week.")
    fields += [
        Field("kWh shifted", f"{totals.kwh:,.1f} kWh"),
        Field(f"CO2 avoided ({VERSUS})", f"{totals.kg_co2:,.2f} kgCO2"),
        Field(f"Money saved ({VERSUS})", units.gbp(totals.gbp)),
        Field("People taking part", str(totals.participants)),
    ]
    grid = _grid_text(days, prior)
    if not grid:
        lines.append("No carbon intensity data was available for that week.")
    else:
        lines.append(grid)
        clean, dirty = days.idxmin(), days.idxmax()
        fields.append(Field("Cleanest day", f"{clean:%a %d %b} ({units.carbon(days[clean])})"))
        fields.append(Field("Dirtiest day", f"{dirty:%a %d %b} ({units.carbon(days[dirty])})"))
    yearly_kg, yearly_gbp = totals.kg_co2 * WEEKS_PER_YEAR, totals.gbp * WEEKS_PER_YEAR
    if totals.pledges:
        lines.append(
            f"Kept up all year, the same shifting is worth about {kg_text(yearly_kg)} and "
            f"{money(yearly_gbp)} a year"
            + (
                f" — and about {kg_text(yearly_kg / totals.participants)} for every extra person "
                "who joins in."
                if totals.participants
                else "."
            )
        )
        fields.append(Field("Over a year", f"≈{kg_text(yearly_kg)}, ≈{money(yearly_gbp)}"))
    actions = weekly_actions(carbon, start, end, totals, prices)
    table = Table(
        ["", "Action for the coming week"], [[f"{i}.", a] for i, a in enumerate(actions, 1)]
    )
    notes = [
        "Grid figures: carbon intensity measured (actual) where published, else forecast. "
        f"Savings: real {tariff_name()} prices for {region_label} and carbon in each pledged "
        f"window vs the time it replaced ({BASELINE_TEXT}).",
    ]
    if prices is not None and not prices.dropna().empty:
        week_prices = prices[(prices.index >= start) & (prices.index < end)].dropna()
        if not week_prices.empty:
            negative = int((week_prices < 0).sum())
            average = units.price(float(week_prices.mean()))
            fields.append(Field(f"Average price ({tariff_name()})", average))
            if negative:
                notes.append(f"{negative} half-hours had negative prices (paid to use power).")
    return Reply(
        title=title,
        summary="\n".join(lines),
        fields=fields,
        table=table,
        notes=notes,
        data={
            "command": "digest",
            "week_start": week_start.isoformat(),
            "kwh": totals.kwh,
            "kg_co2": totals.kg_co2,
            "gbp": totals.gbp,
            "participants": totals.participants,
            "pledges": totals.pledges,
            "annual_kg_co2": yearly_kg,
            "annual_gbp": yearly_gbp,
            "daily_intensity": {d.isoformat(): _num(v) for d, v in days.items()},
            "average_intensity": _num(days.mean()),
            "previous_average_intensity": _num(prior.mean()),
            "actions": actions,
        },
    )


def _num(value: float) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


def _versus(now: float, before: float) -> str:
    """`` (20% more than the week before)``; plain figures when a percentage would mislead."""
    if before <= 0:
        return ""
    change = (now - before) / before * 100
    if abs(change) < 0.5:
        return " (about the same as the week before)"
    if abs(change) > 200:
        return f" ({'up' if change > 0 else 'down'} from {kg_text(before)} the week before)"
    return f" ({abs(change):.0f}% {'more' if change > 0 else 'less'} than the week before)"


def _grid_text(days: pd.Series, prior: pd.Series) -> str:
    if days.dropna().empty:
        return ""
    clean, dirty = days.idxmin(), days.idxmax()
    text = (
        f"The grid averaged {units.carbon(days.mean())}"
        + (
            f", {units.change(days.mean(), prior.mean())} than the week before "
            f"({units.carbon(prior.mean())})"
            if not prior.dropna().empty
            else ""
        )
        + f". Cleanest day: {clean:%A} ({units.carbon(days[clean])}); dirtiest: {dirty:%A} "
        f"({units.carbon(days[dirty])})."
    )
    if days.isna().any():
        text += f" No carbon data for {int(days.isna().sum())} day(s)."
    return text.replace("about the same than", "about the same as")


def typical_day_frame(
    carbon: pd.DataFrame | pd.Series,
    prices: pd.Series | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """Last week's average day: mean carbon (and price) per UK time of day in [start, end),
    laid on a reference GMT day (2000-01-03) so the tips library can place loads on it."""
    reference = pd.date_range(pd.Timestamp("2000-01-03", tz="UTC"), periods=48, freq=SLOT)
    columns = {}
    used, _ = outcome_carbon(carbon)
    for name, series in (("carbon", used), ("price", prices)):
        if series is None:
            continue
        part = _between(series, utc(start), utc(end) - SLOT).dropna()
        if part.empty:
            continue
        local = part.index.tz_convert(LONDON)
        profile = part.groupby(local.hour * 2 + local.minute // 30).mean()
        columns[name] = profile.reindex(range(48)).to_numpy(dtype=float)
    return pd.DataFrame(columns, index=reference)


def weekly_actions(
    carbon: pd.DataFrame | pd.Series,
    start: pd.Timestamp,
    end: pd.Timestamp,
    totals: Impact,
    prices: pd.Series | None = None,
) -> list[str]:
    """Three plain-language actions for the coming week, fitted to last week's average day:
    when to run flexible loads, one concrete tip with its estimated effect, and who to ask."""
    shape = typical_day(carbon, start, end)
    actions = []
    if shape is not None:
        clean, dirty, clean_g, dirty_g = shape
        actions.append(
            f"Run flexible loads at {clean} and keep {dirty} free of them: last week {clean} "
            f"was the cleanest time of day (about {clean_g:.0f} gCO2/kWh) and {dirty} the "
            f"dirtiest ({dirty_g:.0f})."
        )
    else:
        actions.append("Run flexible loads overnight and avoid the 16:00–19:00 evening peak.")
    frame = typical_day_frame(carbon, prices, start, end)
    choices = tips.tips_for(frame, 2) if not frame.empty else []
    if choices:
        choice = choices[0]
        actions.append(choice.text.replace("per run vs the worst time", "a day vs the worst time"))
    else:
        actions.append(f"{tips.BY_KEY['ev'].title}: set chargers to start after 23:00.")
    people = totals.participants
    if people:
        actions.append(
            f"Ask every team to press \u201cI'll do it\u201d on the daily greener-times alert: "
            f"{people} {'person' if people == 1 else 'people'} did last week; each extra person "
            "adds to the yearly figure above."
        )
    else:
        actions.append(
            "Subscribe a busy channel to the daily greener-times alert "
            f"({command_hint('alerts subscribe')}) and ask people to press \u201cI'll do it\u201d "
            "when they can shift a load."
        )
    return actions


def last_week_start(now: pd.Timestamp) -> date:
    """The Monday (UK) that began last full week, as of ``now``."""
    today = utc(now).tz_convert(LONDON).date()
    return today - timedelta(days=today.weekday() + 7)
