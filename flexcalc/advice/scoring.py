"""One piece of advice against hindsight: the chosen window's actual mean price and carbon
intensity, minus those of the best window the same search could have found with actual data.

Pure pandas/numpy. Regret is never negative in exact arithmetic: the chosen window is one of the
candidates (a window the answer could not have seen, e.g. past its span, is never a candidate).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pandas as pd

from flexcalc import windows
from flexcalc.engagement.savings import outcome_carbon
from flexcalc.timeslots import SLOT

METRICS = ("price", "carbon", "both")  # the answer's objective (both: the balanced window)
WITHIN_P = 1.0  # "within 1 p of the best" (p/kWh)


@dataclass(frozen=True)
class Advice:
    """What was recommended: the chosen slots, and the span (and daily hours) searched."""

    slots: pd.DatetimeIndex  # UTC half-hour starts of the chosen window (contiguous unless split)
    span_start: pd.Timestamp  # UTC: the first slot the answer allowed
    span_end: pd.Timestamp  # UTC: end of the last slot the answer allowed (its horizon)
    between: tuple[datetime.time, datetime.time] | None = None  # daily UK hours, if any
    split: bool = False  # any k half-hours, not necessarily adjacent

    @property
    def end(self) -> pd.Timestamp:
        return self.slots[-1] + SLOT


@dataclass(frozen=True)
class Score:
    """Chosen against best in hindsight; None where that metric has no actual data."""

    chosen_price: float | None
    best_price: float | None
    chosen_carbon: float | None
    best_carbon: float | None
    carbon_basis: str  # actual | forecast | actual and forecast | none

    @property
    def regret_p(self) -> float | None:
        """p/kWh the chosen window cost above the cheapest in hindsight (0: it was the best)."""
        if self.chosen_price is None or self.best_price is None:
            return None
        return max(0.0, self.chosen_price - self.best_price)

    @property
    def regret_g(self) -> float | None:
        """gCO2/kWh above the greenest window in hindsight."""
        if self.chosen_carbon is None or self.best_carbon is None:
            return None
        return max(0.0, self.chosen_carbon - self.best_carbon)


def actual_frame(prices: pd.Series, carbon: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Columns price and carbon (actual intensity where published, else the last forecast)
    on one UTC half-hour index, with a ``basis`` column saying which carbon figure was used."""
    used, basis = outcome_carbon(carbon)
    price = pd.Series(prices, dtype=float)
    if len(price):
        index = pd.DatetimeIndex(price.index)
        price.index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
        price = price[~price.index.duplicated(keep="first")]
    frame = pd.concat([price.rename("price"), used.rename("carbon")], axis=1).sort_index()
    frame["basis"] = basis.reindex(frame.index).fillna("")
    return frame


def score(advice: Advice, actual: pd.DataFrame) -> Score | None:
    """The advice scored on ``actual`` (``actual_frame``); None while the chosen window lacks
    an actual price and carbon figure in every slot (not settled yet, or never will be)."""
    slots = pd.DatetimeIndex(advice.slots)
    rows = actual.reindex(slots)
    price_known = bool(rows["price"].notna().all()) if len(rows) else False
    carbon_known = bool(rows["carbon"].notna().all()) if len(rows) else False
    if not price_known and not carbon_known:
        return None
    span = windows.candidate_slots(
        actual[["price", "carbon"]], advice.span_start, advice.span_end, advice.between
    )
    k = len(slots)
    cheapest = windows.best_window(span, k, "price", split=advice.split) if price_known else None
    greenest = windows.best_window(span, k, "carbon", split=advice.split) if carbon_known else None
    used = set(rows["basis"]) if carbon_known else set()
    basis = (
        "none"
        if not used
        else "actual"
        if used == {"actual"}
        else ("forecast" if used == {"forecast"} else "actual and forecast")
    )
    return Score(
        chosen_price=float(rows["price"].mean()) if price_known else None,
        best_price=None if cheapest is None else cheapest.price,
        chosen_carbon=float(rows["carbon"].mean()) if carbon_known else None,
        best_carbon=None if greenest is None else greenest.carbon,
        carbon_basis=basis,
    )
