"""How the day-ahead price forecast did, once the prices it forecast are published.

The "tomorrow's prices are out" alert says it. The forecast reviewed is the one standing before
publication, made the way the skill measure makes it (docs/forecasts.md): at 10:00 UK time on
the day before, from prices published by then only (``Decision.at``). The shipped model is
deterministic, so rebuilding that forecast now gives what it was then; the carbon forecast fed
to it is the one known now (a slightly fresher one than at 10:00).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import numpy as np
import pandas as pd

from flexcalc import windows
from flexcalc.commands import units
from flexcalc.forecast.features import Decision, NotEnoughHistory
from flexcalc.forecast.model import DECISION_HOUR
from flexcalc.forecast.predict import price_outlook
from flexcalc.sources.base import DataProvider, DataUnavailable, Forecast
from flexcalc.timeslots import LONDON, fmt_day_time, fmt_span, wall_time_utc

HISTORY_DAYS = pd.Timedelta(days=8)


@dataclass(frozen=True)
class ForecastReview:
    """The forecast median and the published prices for the same slots."""

    made_at: pd.Timestamp  # UTC decision time of the reviewed forecast
    forecast: pd.Series  # p/kWh medians on the reviewed slots
    published: pd.Series  # p/kWh published prices on the same slots

    @property
    def mae(self) -> float:
        """Mean absolute error, p/kWh."""
        return float(np.abs(self.forecast.to_numpy() - self.published.to_numpy()).mean())

    def best_windows(self, slots: int) -> tuple[windows.Window | None, windows.Window | None]:
        """(the window the forecast ranked cheapest, the truly cheapest published window)."""
        forecast = windows.best_window(self.forecast.to_frame("price"), slots, "price")
        published = windows.best_window(self.published.to_frame("price"), slots, "price")
        return forecast, published

    def text(self, slots: int) -> str:
        """``off by 2.1 p/kWh on average over 46 half-hours; its cheapest 4 h ... matched``."""
        said, best = self.best_windows(slots)
        text = (
            f"the forecast made {fmt_day_time(self.made_at)} (UK), before these prices were "
            f"published, was off by {units.price(self.mae)} on average over "
            f"{len(self.published)} half-hours"
        )
        if said is None or best is None:
            return text + "."
        length = units.duration(slots * pd.Timedelta(minutes=30))
        if said.start == best.start:
            return text + f"; its cheapest {length} ({fmt_span(said.start, said.end)}) matched."
        return (
            text + f"; it ranked {fmt_span(said.start, said.end)} cheapest for {length} "
            f"(published {units.price(_mean(self.published, said))}), the published cheapest is "
            f"{fmt_span(best.start, best.end)} ({units.price(best.price)})."
        )

    def data(self, slots: int) -> dict:
        said, best = self.best_windows(slots)
        return {
            "made_at": self.made_at.isoformat(),
            "slots": len(self.published),
            "mae_p_per_kwh": round(self.mae, 3),
            "forecast_best_start": None if said is None else said.start.isoformat(),
            "published_best_start": None if best is None else best.start.isoformat(),
            "best_matched": said is not None and best is not None and said.start == best.start,
        }


def _mean(prices: pd.Series, window: windows.Window) -> float:
    """The published mean price over the slots the forecast chose."""
    return float(prices.reindex(window.slots).mean())


def decision_before(start: pd.Timestamp) -> pd.Timestamp:
    """10:00 UK time on the UK day a day-ahead price day starts (23:00 UK): the forecast that
    stood before those prices were published."""
    day = start.tz_convert(LONDON).date()
    return wall_time_utc(day, time.fromisoformat(DECISION_HOUR))


def review_forecast(
    forecast: Forecast, provider: DataProvider, start: pd.Timestamp, end: pd.Timestamp
) -> ForecastReview | None:
    """The review of the day-ahead forecast for the published prices in [start, end), or None
    when there is nothing to review (too little history, nothing published, a source down)."""
    published = forecast.prices.dropna()
    published = published[(published.index >= start) & (published.index < end)]
    if published.empty:
        return None
    made_at = decision_before(start)
    known_until = Decision.at(made_at).known_until
    if known_until > published.index[0]:
        return None  # those prices were out before the forecast: nothing was forecast
    try:
        history = provider.price_history(forecast.region, known_until - HISTORY_DAYS, known_until)
        history = history.dropna()
        history = history[history.index < known_until]
        outlook = price_outlook(
            history, forecast.region.letter, forecast.carbon, made_at, until=end
        )
    except (DataUnavailable, NotEnoughHistory, ValueError, OSError):
        return None
    median = outlook.median.reindex(published.index)
    keep = median.notna()
    if not keep.any():
        return None
    return ForecastReview(made_at, median[keep], published[keep])
