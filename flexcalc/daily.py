"""The daily greener-times alert, tomorrow's-prices alert and threshold events (pure, no I/O).

``daily_alert`` turns one region's ``Forecast`` into a ``Reply``: the best windows for the
planned load lengths (1 h / 2 h / 4 h by default), the dirtiest and dearest periods to avoid,
the generation mix now, a chart and one practical tip. "Best" is the balanced objective (price
and carbon, min-max normalised) when both are known, else whichever is known; a flat price (a
fixed tariff) ranks by carbon; an export tariff (``export=True``) ranks the highest price.

Prices are whatever the forecast carries: the channel's tariff (``flexcalc.alert_pricing``), with
forecast slots past publication when ``ahead`` says so (labelled "(forecast)" everywhere), and a
review of the day-ahead forecast in tomorrow's alert (``flexcalc.forecast_review``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flexcalc import tips, windows
from flexcalc.commands import units
from flexcalc.commands.forecast_slots import WithForecast
from flexcalc.engagement import alert_start, alert_window, pledge_actions
from flexcalc.forecast_review import ForecastReview
from flexcalc.intensity import low_carbon_share
from flexcalc.reply import Field, Reply, Table
from flexcalc.sources.base import Forecast
from flexcalc.tariffs.base import is_flat
from flexcalc.tariffs.calendars import DAY_AHEAD_START
from flexcalc.tariffs.families import source_text
from flexcalc.timeslots import (
    LONDON,
    SLOT,
    ceil_slot,
    floor_slot,
    fmt_day_time,
    fmt_span,
    fmt_time,
    wall_time_utc,
)

STANDARD_DURATIONS = (pd.Timedelta(hours=1), pd.Timedelta(hours=2), pd.Timedelta(hours=4))
AVOID_DURATION = pd.Timedelta(hours=2)
MERGE_GAP = pd.Timedelta(hours=1)  # crossings closer than this are one threshold event


@dataclass(frozen=True)
class ThresholdEvent:
    """A run of slots where ``metric`` is ``op`` the threshold: [start, end) UTC."""

    start: pd.Timestamp
    end: pd.Timestamp
    extreme: float  # the lowest (below) or highest (above) value in the run
    slots: int = 1  # half-hours that cross (the span may include short gaps)


_local_instant = wall_time_utc  # kept name: the one owner of UK wall time -> UTC is timeslots


def alert_span(now: pd.Timestamp, tomorrow: bool = False) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) UTC the alert looks at: 24 h from the first half-hour the start rule allows
    (``ceil_slot``: never a window that already began), or, for ``tomorrow``, tomorrow's
    day-ahead price day (23:00 today to 23:00 tomorrow, UK time)."""
    if not tomorrow:
        start = ceil_slot(now)
        return start, start + pd.Timedelta(hours=24)
    today = now.tz_convert(LONDON).date()
    start = _local_instant(today, DAY_AHEAD_START)
    return start, _local_instant(today + pd.Timedelta(days=1), DAY_AHEAD_START)


def tomorrow_prices_published(forecast: Forecast) -> bool:
    """True once prices reach 23:00 tomorrow UK time (Octopus publishes ~16:00-20:00)."""
    if forecast.prices.dropna().empty:
        return False
    _, end = alert_span(forecast.now, tomorrow=True)
    return forecast.prices.dropna().index.max() + SLOT >= end


def _objective(frame: pd.DataFrame, export: bool = False) -> str:
    """balanced | price | carbon | export (the highest price). A flat price ranks nothing."""
    has_price = "price" in frame and frame["price"].notna().any() and not is_flat(frame["price"])
    has_carbon = "carbon" in frame and frame["carbon"].notna().any()
    if export and has_price:
        return "export"
    if has_price and has_carbon:
        return "balanced"
    return "price" if has_price else "carbon"


def _best(frame: pd.DataFrame, k: int, objective: str) -> windows.Window | None:
    if objective == "export":
        return windows.best_window(frame, k, "price", highest=True)
    return windows.best_window(frame, k, objective)


def _slots(duration: pd.Timedelta) -> int:
    return max(1, int(np.ceil(duration / SLOT)))


def _span(w: windows.Window, ahead: WithForecast | None) -> str:
    text = fmt_span(w.start, w.end)
    return ahead.label(text, w) if ahead is not None else text


def _window_text(w: windows.Window, ahead: WithForecast | None = None) -> str:
    return f"{_span(w, ahead)} · {units.price(w.price)} · {units.carbon(w.carbon)}"


def _window_data(w: windows.Window | None) -> dict | None:
    if w is None:
        return None
    return {
        "start": w.start.isoformat(),
        "end": w.end.isoformat(),
        "price_p_per_kwh": w.price,
        "carbon_g_per_kwh": w.carbon,
    }


def mix_text(mix: dict[str, float], top: int = 4) -> str:
    """``"wind 41% · gas 22% · nuclear 14% · imports 9% (low-carbon 60%)"``."""
    if not mix:
        return "not available"
    ranked = sorted(mix.items(), key=lambda kv: kv[1], reverse=True)[:top]
    text = " · ".join(f"{fuel} {pct:.0f}%" for fuel, pct in ranked)
    low = low_carbon_share(mix)
    return f"{text} (low-carbon {low:.0f}%)"


def practical_tip(frame: pd.DataFrame) -> str:
    """One concrete thing employees can do today, fitted to the day's shape, with its effect.

    Negative prices lead the tip: being paid to use electricity is the news of the day.
    """
    lead = ""
    if "price" in frame and (frame["price"] < 0).any():
        first = frame.index[(frame["price"] < 0).to_numpy()][0]
        same_day = first.tz_convert(LONDON).date() == frame.index[0].tz_convert(LONDON).date()
        when = fmt_time(first) if same_day else fmt_day_time(first)
        lead = f"Prices go below zero from {when}: you are paid to use electricity then. "
    choice = tips.pick_tip(frame)
    if choice is None:
        return lead + "Put dishwashers and EV chargers on a timer for the best window."
    return lead + choice.text


def _chart(
    frame: pd.DataFrame,
    marked: dict[str, windows.Window],
    now,
    title: str,
    source: str,
    band: pd.DataFrame | None = None,
):
    try:
        # lazy: charts load matplotlib, which the ack-only web process never needs
        from flexcalc.charts.forecast import forecast_chart
    except ImportError:  # charts not installed yet: a plain line chart
        return _plain_chart(frame, now, title)
    return forecast_chart(frame, windows=marked, now=now, title=title, source=source, band=band)


def _plain_chart(frame: pd.DataFrame, now: pd.Timestamp, title: str) -> bytes:
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    local = frame.index.tz_convert(LONDON).tz_localize(None)
    if "price" in frame:
        ax.step(local, frame["price"], where="post", label="price (p/kWh)")
    if "carbon" in frame:
        ax.twinx().plot(local, frame["carbon"], color="black", label="carbon (gCO2/kWh)")
    ax.set_title(title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_windows(frame: pd.DataFrame, export: bool = False) -> dict[str, windows.Window]:
    """The windows every region chart marks: best 1 h, 2 h and 4 h (same for all channels)."""
    objective = _objective(frame, export)
    marked = {}
    for duration in STANDARD_DURATIONS:
        w = _best(frame, _slots(duration), objective)
        if w is not None:
            marked[f"Best {units.duration(duration)}"] = w
    return marked


def alert_frame(forecast: Forecast, tomorrow: bool = False) -> pd.DataFrame:
    """The (price, carbon) rows the alert looks at."""
    start, end = alert_span(forecast.now, tomorrow)
    return windows.candidate_slots(forecast.frame(), start, end)


def _title(forecast: Forecast, tomorrow: bool, export: bool = False) -> str:
    start, _ = alert_span(forecast.now, tomorrow)
    what = "export times" if export else "greener times"
    tariff = forecast.prices.attrs.get("tariff")
    where = f"{forecast.region.label} on {tariff}" if tariff else forecast.region.label
    if tomorrow:
        day = (start + pd.Timedelta(hours=2)).tz_convert(LONDON).strftime("%a %d %b")
        return f"Tomorrow's {what} — {day}, {where}"
    day = forecast.now.tz_convert(LONDON).strftime("%a %d %b")
    return f"Today's {what} — {day}, {where}"


def daily_chart(
    forecast: Forecast,
    tomorrow: bool = False,
    *,
    export: bool = False,
    ahead: WithForecast | None = None,
) -> bytes:
    """The chart for the alert (identical for every channel of one region and tariff); forecast
    price slots are shaded as a band."""
    frame = alert_frame(forecast, tomorrow)
    source = source_text(forecast.source, forecast.prices)
    start, end = alert_span(forecast.now, tomorrow)
    band = ahead.band(start, end) if ahead is not None else None
    title = _title(forecast, tomorrow, export)
    return _chart(frame, chart_windows(frame, export), forecast.now, title, source, band)


def daily_alert(
    forecast: Forecast,
    durations: Sequence[pd.Timedelta] = (),
    tomorrow: bool = False,
    charts: bool = True,
    *,
    export: bool = False,
    ahead: WithForecast | None = None,
    review: ForecastReview | None = None,
) -> Reply:
    """Greener windows for ``durations`` (default 1 h, 2 h, 4 h), periods to avoid, the mix
    now, a chart and a tip. ``tomorrow``: tomorrow's day-ahead price day instead of the next
    24 h. ``export``: the best times to export (highest price). ``ahead``: the forecast whose
    prices ``forecast`` carries past publication. ``review``: how the day-ahead forecast did."""
    lengths = sorted(set(durations)) or list(STANDARD_DURATIONS)
    frame = alert_frame(forecast, tomorrow)
    title = _title(forecast, tomorrow, export)
    tariff = forecast.prices.attrs.get("tariff")
    if frame.empty or frame.dropna(how="all").empty:
        return Reply(
            title=title,
            summary="No prices or carbon forecast are available for this period yet.",
            notes=list(forecast.notes),
            data={"region": forecast.region.letter, "best": None, "tariff": tariff},
        )
    notes = [*forecast.notes, windows.coverage_text(frame)]
    objective = _objective(frame, export)
    rows: list[list[str]] = []
    fields: list[Field] = []
    found: dict[str, dict | None] = {}
    chosen: dict[str, windows.Window] = {}
    best_of_longest: windows.Window | None = None
    usual = alert_start(frame, forecast.now)  # the baseline of every comparison and pledge
    for duration in lengths:
        k = _slots(duration)
        best = _best(frame, k, objective)
        label = f"Best {units.duration(duration)}" + (" to export" if export else "")
        found[units.duration(duration)] = _window_data(best)
        if best is None:
            fields.append(Field(label, "not enough data"))
            continue
        best_of_longest = chosen[label] = best
        start_now = windows.window_at(frame, usual, k)
        versus = "n/a"
        if start_now is not None:
            versus = (
                f"{units.change(best.price, start_now.price)} price, "
                f"{units.change(best.carbon, start_now.carbon)} carbon"
            )
        fields.append(Field(label, _window_text(best, ahead)))
        rows.append(
            [label, _span(best, ahead), units.price(best.price), units.carbon(best.carbon), versus]
        )
    avoid_k = _slots(min(AVOID_DURATION, max(lengths)))
    flat = objective == "carbon" and "price" in frame and frame["price"].notna().any()
    dirtiest = windows.best_window(frame, avoid_k, "carbon", highest=True)
    dearest = None if flat else windows.best_window(frame, avoid_k, "price", highest=not export)
    if dirtiest is not None and not export:
        fields.append(Field("Dirtiest (avoid)", _window_text(dirtiest, ahead)))
    if dearest is not None:
        avoid = "Lowest paid (avoid)" if export else "Dearest (avoid)"
        fields.append(Field(avoid, _window_text(dearest, ahead)))
    forecast_data = _forecast_field(frame, lengths, ahead, fields, chosen)
    if review is not None:
        fields.append(Field("How the forecast did", review.text(_slots(max(lengths)))))
    fields.append(Field("Generation mix now", mix_text(forecast.mix)))
    tip = practical_tip(frame)
    avoid_windows = (dearest,) if export else (dearest, dirtiest)
    summary = _summary(best_of_longest, avoid_windows, lengths, tip, export, ahead)
    chart = daily_chart(forecast, tomorrow, export=export, ahead=ahead) if charts else None
    k = len(best_of_longest.slots) if best_of_longest else 0
    baseline = alert_window(frame, k, forecast.now) if best_of_longest else None
    pledges = pledge_actions(forecast.region.letter, best_of_longest, baseline) if baseline else []
    versus_label = f"vs starting {fmt_time(usual)} (alert time)" if tomorrow else "vs starting now"
    return Reply(
        title=title,
        summary=summary,
        fields=fields,
        table=Table(columns=["Load", "Best time (UK)", "Price", "Carbon", versus_label], rows=rows),
        chart_png=chart,
        chart_alt=f"Prices and carbon intensity for {forecast.region.label}, best windows shaded"
        + ("; forecast prices shaded as a band" if forecast_data else ""),
        notes=notes,
        actions=[] if export else pledges,
        data={
            "region": forecast.region.letter,
            "tomorrow": tomorrow,
            "tariff": tariff,
            "objective": objective,
            "windows": found,
            "best": _window_data(best_of_longest),
            "dirtiest": _window_data(dirtiest),
            "dearest": _window_data(dearest),
            "mix": dict(forecast.mix),
            "tip": tip,
            "source": forecast.source,
            **forecast_data,
            "forecast_review": review.data(_slots(max(lengths))) if review else None,
        },
    )


def _forecast_field(
    frame: pd.DataFrame,
    lengths: list[pd.Timedelta],
    ahead: WithForecast | None,
    fields: list[Field],
    chosen: dict[str, windows.Window],
) -> dict:
    """The "Forecast prices" field (which slots are forecast, the chance the cheapest window of
    the longest load stays cheapest) and its ``data``; nothing when no slot is forecast."""
    if ahead is None or ahead.known_until is None or not (frame.index >= ahead.known_until).any():
        return {}
    prices = frame["price"].dropna()
    cheapest = windows.best_window(prices.to_frame(), _slots(max(lengths)), "price")
    stays = ahead.stays_best(prices, cheapest)
    fields.append(Field("Forecast prices", ahead.text(cheapest, stays)))
    return {
        "price_forecast": ahead.data(),
        "forecast_windows": [label for label, w in chosen.items() if ahead.touches(w)],
        "stays_cheapest_probability": stays,
    }


def _summary(best, avoid_windows, lengths, tip: str, export: bool, ahead) -> str:
    parts = []
    if best is not None:
        lead = "Best time to export" if export else "Greenest"
        parts.append(
            f"*{lead} {units.duration(max(lengths))}:* {_span(best, ahead)} "
            f"({units.price(best.price)}, {units.carbon(best.carbon)})."
        )
    avoid = [w for w in avoid_windows if w is not None]
    if avoid:
        spans = sorted({_span(w, ahead) for w in avoid})
        parts.append(f"*Avoid:* {' and '.join(spans)}.")
    parts.append(f"*Tip:* {tip}")
    return "\n".join(parts)


def threshold_events(
    forecast: Forecast,
    metric: str,
    op: str,
    value: float,
    merge_gap: pd.Timedelta = MERGE_GAP,
) -> list[ThresholdEvent]:
    """Crossings of ``metric`` (price | carbon) below/above ``value`` from now on: runs of known
    slots, where runs less than ``merge_gap`` apart count as one event (no alert storms)."""
    series = (forecast.prices if metric == "price" else forecast.carbon).dropna().sort_index()
    series = series[series.index >= floor_slot(forecast.now)]
    hit = (series < value) if op == "below" else (series > value)
    slots = series.index[hit.to_numpy()]
    groups: list[list[pd.Timestamp]] = []
    for ts in slots:
        if groups and ts - groups[-1][-1] <= merge_gap:
            groups[-1].append(ts)
        else:
            groups.append([ts])
    events = []
    for group in groups:
        part = series.loc[group]
        extreme = float(part.min() if op == "below" else part.max())
        events.append(ThresholdEvent(group[0], group[-1] + SLOT, extreme, len(group)))
    return events


def threshold_alert(
    forecast: Forecast,
    event: ThresholdEvent,
    metric: str,
    op: str,
    value: float,
    *,
    export: bool = False,
) -> Reply:
    """The post for one threshold crossing (on the forecast's tariff; ``export``: an export
    tariff's price)."""
    unit = units.price if metric == "price" else units.carbon
    what = ("Export price" if export else "Price") if metric == "price" else "Carbon intensity"
    tariff = forecast.prices.attrs.get("tariff") if metric == "price" else None
    where = f"{forecast.region.label} on {tariff}" if tariff else forecast.region.label
    lowest = "lowest" if op == "below" else "highest"
    span = fmt_span(event.start, event.end)
    count = int((event.end - event.start) / SLOT)
    within = "" if event.slots == count else f" in {event.slots} of the {count} half-hours"
    summary = (
        f"{what} is forecast {op} {unit(value)} {span}{within} ({lowest} {unit(event.extreme)})."
    )
    if metric == "price" and op == "below" and value <= 0 and not export:
        summary += " You are paid to use electricity then: charge and run what you can."
    return Reply(
        title=f"{what} {op} {unit(value)} — {where}",
        summary=summary,
        fields=[
            Field("When (UK time)", fmt_span(event.start, event.end)),
            Field(lowest.capitalize(), unit(event.extreme)),
        ],
        notes=list(forecast.notes),
        data={
            "region": forecast.region.letter,
            "metric": metric,
            "tariff": tariff,
            "op": op,
            "threshold": value,
            "best": {"start": event.start.isoformat(), "end": event.end.isoformat()},
            "extreme": event.extreme,
        },
    )
