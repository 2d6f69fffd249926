"""Prices past the published horizon: forecast slots joined to the published ones, labelled.

Answers that look further than prices are published (``within 36h``, ``tomorrow`` before
publication, alerts looking ahead) get the forecast median in the forecast slots; everything a
user sees about those slots says "forecast" (text, fields, table, chart band, ``data``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from flexcalc.forecast.features import NotEnoughHistory
from flexcalc.forecast.predict import PriceOutlook, price_outlook, stays_best_probability
from flexcalc.sources.base import DataProvider, DataUnavailable, Forecast
from flexcalc.timeslots import SLOT, fmt_day_time
from flexcalc.windows import Window

HISTORY_DAYS = pd.Timedelta(days=8)
MARK = "forecast"


@dataclass(frozen=True)
class WithForecast:
    """``forecast`` with forecast medians appended past ``outlook.decision.known_until``."""

    forecast: Forecast
    outlook: PriceOutlook | None = None

    @property
    def known_until(self) -> pd.Timestamp | None:
        return None if self.outlook is None else self.outlook.decision.known_until

    def touches(self, window: Window | None) -> bool:
        """True if any slot of ``window`` is forecast rather than published."""
        cut = self.known_until
        return window is not None and cut is not None and bool((window.slots >= cut).any())

    def label(self, text: str, window: Window | None) -> str:
        return f"{text} ({MARK})" if self.touches(window) else text

    def band(self, start: pd.Timestamp, end: pd.Timestamp | None) -> pd.DataFrame | None:
        """p10/p50/p90 of the forecast slots in [start, end), for the chart."""
        if self.outlook is None:
            return None
        q = self.outlook.imports
        keep = q.index >= start
        if end is not None:
            keep &= q.index < end
        return q[keep]

    def stays_best(self, prices: pd.Series, window: Window | None) -> float | None:
        """Chance ``window`` is still the cheapest of ``prices`` once forecast slots publish."""
        if self.outlook is None or window is None or not window.is_contiguous:
            return None
        if not prices.index.isin(self.outlook.imports.index).any():
            return None
        return stays_best_probability(prices, self.outlook, window.start, len(window.slots))

    def text(self, cheapest: Window | None, stays: float | None) -> str:
        """Which prices are forecast and how likely the cheapest window is to stay cheapest."""
        text = f"from {fmt_day_time(self.known_until)} (UK) prices are a {MARK}, not published"
        if stays is not None and cheapest is not None:
            text += (
                f"; {stays:.0%} chance the cheapest window stays cheapest once they are published"
            )
        return text

    def data(self, shown: pd.DataFrame | None = None) -> dict | None:
        """The forecast slots for ``data`` (``shown``: only these rows of the outlook)."""
        if self.outlook is None:
            return None
        q = self.outlook.imports if shown is None else shown
        return {
            "published_until": self.outlook.decision.known_until.isoformat(),
            "slots": [ts.isoformat() for ts in q.index],
            "p10": [round(float(v), 3) for v in q["p10"]],
            "p50": [round(float(v), 3) for v in q["p50"]],
            "p90": [round(float(v), 3) for v in q["p90"]],
        }


def with_forecast(
    forecast: Forecast, provider: DataProvider, end: pd.Timestamp | None
) -> WithForecast:
    """Add forecast prices up to ``end`` when it lies past the last published price."""
    published = forecast.prices.dropna()
    if end is None or published.empty or end <= published.index[-1] + SLOT:
        return WithForecast(forecast)
    known_until = published.index[-1] + SLOT
    try:
        history = provider.price_history(forecast.region, known_until - HISTORY_DAYS, known_until)
        history = history.dropna().combine_first(published)
    except (DataUnavailable, ValueError, OSError):
        history = published
    try:
        outlook = price_outlook(
            history, forecast.region.letter, forecast.carbon, forecast.now, until=end
        )
    except NotEnoughHistory:
        note = f"No price forecast past {fmt_day_time(known_until)}: too little recent history."
        return WithForecast(dataclasses.replace(forecast, notes=[*forecast.notes, note]))
    prices = pd.concat([published, outlook.median]).rename("price")
    note = (
        f"Prices from {fmt_day_time(known_until)} UK time are a {MARK}, not published prices: "
        "the median is used, the chart shades the 10–90% range (method: docs/forecasts.md)."
    )
    extended = dataclasses.replace(forecast, prices=prices, notes=[*forecast.notes, note])
    return WithForecast(extended, outlook)
