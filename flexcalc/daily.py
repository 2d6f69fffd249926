"""The daily greener-times alert, tomorrow's-prices alert and threshold events (pure, no I/O).

``daily_alert`` turns one region's ``Forecast`` into a ``Reply``: the best windows for the
planned load lengths (1 h / 2 h / 4 h by default), the dirtiest and dearest periods to avoid,
the generation mix now, a chart and one practical tip. "Best" is the balanced objective (price
and carbon, min-max normalised) when both are known, else whichever is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flexcalc import tips, windows
from flexcalc.commands import units
from flexcalc.engagement import alert_start, alert_window, pledge_actions
from flexcalc.intensity import low_carbon_share
from flexcalc.reply import Field, Reply, Table
from flexcalc.sources.base import Forecast
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


def _objective(frame: pd.DataFrame) -> str:
    has_price = "price" in frame and frame["price"].notna().any()
    has_carbon = "carbon" in frame and frame["carbon"].notna().any()
    if has_price and has_carbon:
        return "balanced"
    return "price" if has_price else "carbon"


def _slots(duration: pd.Timedelta) -> int:
    return max(1, int(np.ceil(duration / SLOT)))


def _window_text(w: windows.Window) -> str:
    return f"{fmt_span(w.start, w.end)} · {units.price(w.price)} · {units.carbon(w.carbon)}"


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


def _chart(frame: pd.DataFrame, marked: dict[str, windows.Window], now, title: str, source: str):
    try:
        from flexcalc.charts.forecast import forecast_chart
    except ImportError:  # charts not installed yet: a plain line chart
        return _plain_chart(frame, now, title)
    return forecast_chart(frame, windows=marked, now=now, title=title, source=source)


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


def chart_windows(frame: pd.DataFrame) -> dict[str, windows.Window]:
    """The windows every region chart marks: best 1 h, 2 h and 4 h (same for all channels)."""
    objective = _objective(frame)
    marked = {}
    for duration in STANDARD_DURATIONS:
        w = windows.best_window(frame, _slots(duration), objective)
        if w is not None:
            marked[f"Best {units.duration(duration)}"] = w
    return marked


def alert_frame(forecast: Forecast, tomorrow: bool = False) -> pd.DataFrame:
    """The (price, carbon) rows the alert looks at."""
    start, end = alert_span(forecast.now, tomorrow)
    return windows.candidate_slots(forecast.frame(), start, end)


def _title(forecast: Forecast, tomorrow: bool) -> str:
    start, _ = alert_span(forecast.now, tomorrow)
    if tomorrow:
        day = (start + pd.Timedelta(hours=2)).tz_convert(LONDON).strftime("%a %d %b")
        return f"Tomorrow's greener times — {day}, {forecast.region.label}"
    day = forecast.now.tz_convert(LONDON).strftime("%a %d %b")
    return f"Today's greener times — {day}, {forecast.region.label}"


def daily_chart(forecast: Forecast, tomorrow: bool = False) -> bytes:
    """The region's chart for the alert (identical for every channel of that region)."""
    frame = alert_frame(forecast, tomorrow)
    source = source_text(forecast.source, forecast.prices)
    return _chart(frame, chart_windows(frame), forecast.now, _title(forecast, tomorrow), source)


def daily_alert(
    forecast: Forecast,
    durations: Sequence[pd.Timedelta] = (),
    tomorrow: bool = False,
    charts: bool = True,
) -> Reply:
    """Greener windows for ``durations`` (default 1 h, 2 h, 4 h), periods to avoid, the mix
    now, a chart and a tip. ``tomorrow``: tomorrow's Agile day instead of the next 24 h."""
    lengths = sorted(set(durations)) or list(STANDARD_DURATIONS)
    frame = alert_frame(forecast, tomorrow)
    title = _title(forecast, tomorrow)
    if frame.empty or frame.dropna(how="all").empty:
        return Reply(
            title=title,
            summary="No prices or carbon forecast are available for this period yet.",
            notes=list(forecast.notes),
            data={"region": forecast.region.letter, "best": None},
        )
    notes = [*forecast.notes, windows.coverage_text(frame)]
    objective = _objective(frame)
    rows: list[list[str]] = []
    fields: list[Field] = []
    found: dict[str, dict | None] = {}
    best_of_longest: windows.Window | None = None
    usual = alert_start(frame, forecast.now)  # the baseline of every comparison and pledge
    for duration in lengths:
        k = _slots(duration)
        best = windows.best_window(frame, k, objective)
        label = f"Best {units.duration(duration)}"
        found[units.duration(duration)] = _window_data(best)
        if best is None:
            fields.append(Field(label, "not enough data"))
            continue
        best_of_longest = best
        start_now = windows.window_at(frame, usual, k)
        versus = "n/a"
        if start_now is not None:
            versus = (
                f"{units.change(best.price, start_now.price)} price, "
                f"{units.change(best.carbon, start_now.carbon)} carbon"
            )
        fields.append(Field(label, _window_text(best)))
        rows.append(
            [
                label,
                fmt_span(best.start, best.end),
                units.price(best.price),
                units.carbon(best.carbon),
                versus,
            ]
        )
    avoid_k = _slots(min(AVOID_DURATION, max(lengths)))
    dirtiest = windows.best_window(frame, avoid_k, "carbon", highest=True)
    dearest = windows.best_window(frame, avoid_k, "price", highest=True)
    if dirtiest is not None:
        fields.append(Field("Dirtiest (avoid)", _window_text(dirtiest)))
    if dearest is not None:
        fields.append(Field("Dearest (avoid)", _window_text(dearest)))
    fields.append(Field("Generation mix now", mix_text(forecast.mix)))
    tip = practical_tip(frame)
    summary = _summary(best_of_longest, dearest, dirtiest, lengths, tip)
    chart = daily_chart(forecast, tomorrow) if charts else None
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
        chart_alt=f"Prices and carbon intensity for {forecast.region.label}, best windows shaded",
        notes=notes,
        actions=pledges,
        data={
            "region": forecast.region.letter,
            "tomorrow": tomorrow,
            "objective": objective,
            "windows": found,
            "best": _window_data(best_of_longest),
            "dirtiest": _window_data(dirtiest),
            "dearest": _window_data(dearest),
            "mix": dict(forecast.mix),
            "tip": tip,
            "source": forecast.source,
        },
    )


def _summary(best, dearest, dirtiest, lengths, tip: str) -> str:
    parts = []
    if best is not None:
        parts.append(
            f"*Greenest {units.duration(max(lengths))}:* {fmt_span(best.start, best.end)} "
            f"({units.price(best.price)}, {units.carbon(best.carbon)})."
        )
    avoid = [w for w in (dearest, dirtiest) if w is not None]
    if avoid:
        spans = sorted({fmt_span(w.start, w.end) for w in avoid})
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
    forecast: Forecast, event: ThresholdEvent, metric: str, op: str, value: float
) -> Reply:
    """The post for one threshold crossing."""
    unit = units.price if metric == "price" else units.carbon
    what = "Price" if metric == "price" else "Carbon intensity"
    lowest = "lowest" if op == "below" else "highest"
    span = fmt_span(event.start, event.end)
    count = int((event.end - event.start) / SLOT)
    within = "" if event.slots == count else f" in {event.slots} of the {count} half-hours"
    summary = (
        f"{what} is forecast {op} {unit(value)} {span}{within} ({lowest} {unit(event.extreme)})."
    )
    if metric == "price" and op == "below" and value <= 0:
        summary += " You are paid to use electricity then: charge and run what you can."
    return Reply(
        title=f"{what} {op} {unit(value)} — {forecast.region.label}",
        summary=summary,
        fields=[
            Field("When (UK time)", fmt_span(event.start, event.end)),
            Field(lowest.capitalize(), unit(event.extreme)),
        ],
        notes=list(forecast.notes),
        data={
            "region": forecast.region.letter,
            "metric": metric,
            "op": op,
            "threshold": value,
            "best": {"start": event.start.isoformat(), "end": event.end.isoformat()},
            "extreme": event.extreme,
        },
    )
