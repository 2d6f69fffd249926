"""Model inputs known at decision time (rolling origin): nothing published later is ever seen.

A forecast is made at ``origin``; published prices then end at ``known_until`` (the tariff's
publication calendar). ``known_inputs`` is the one gate: it cuts the price history at
``known_until`` and the carbon forecast at ``origin`` + 48 h (the Carbon Intensity forecast
horizon). Every feature is computed from its output only.

Prices enter as the wholesale-level W (``flexcalc.tariffs.regional_formula``) so one model serves
every region. The model predicts W as a deviation from an *anchor* (half persistence, half the
slot's mean over the last published week) in units of the week's *scale* (its standard deviation,
at least ``MIN_SCALE``): it learns the shape around the current level and spread, so a model
trained before a price-level shift still transfers (ADR 0095). ``to_target`` and ``from_target``
are the only place that normalisation lives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from flexcalc.forecast.calendar import same_wall_time_days_before, slot_calendar
from flexcalc.sources.horizon import CARBON_AHEAD, price_horizon_end
from flexcalc.timeslots import floor_slot

FEATURES = [
    "slot_of_day",
    "weekday",
    "holiday",
    "lead_hours",
    "level",
    "spread",
    "persist_rel",
    "slot_week_rel",
    "last_day_rel",
    "carbon",
    "carbon_rel",
    "carbon_vs_persist",
    "carbon_vs_last_day",
]
WEEK = pd.Timedelta(days=7)
DAY = pd.Timedelta(days=1)
LOOKBACK_DAYS = 8  # persistence looks this many days back for a published same slot
MIN_SCALE = 0.5  # p/kWh: the floor of the week's spread used as the model's unit


@dataclass(frozen=True)
class Decision:
    """When a forecast is made and how far prices were published then (both UTC)."""

    origin: pd.Timestamp
    known_until: pd.Timestamp

    @classmethod
    def at(cls, origin: pd.Timestamp) -> Decision:
        """The decision at ``origin`` with the usual publication calendar."""
        return cls(origin=origin, known_until=price_horizon_end(origin))


class NotEnoughHistory(ValueError):
    """Fewer than a day of published prices before the decision: nothing to forecast from."""


def known_inputs(
    wholesale: pd.Series, carbon: pd.Series | None, decision: Decision
) -> tuple[pd.Series, pd.Series | None]:
    """Only what was available at ``decision.origin``: the single leakage gate."""
    start = decision.known_until - pd.Timedelta(days=LOOKBACK_DAYS + 1)
    prices = wholesale[(wholesale.index >= start) & (wholesale.index < decision.known_until)]
    prices = prices.dropna()
    if carbon is None:
        return prices, None
    horizon = floor_slot(decision.origin) + CARBON_AHEAD
    carbon = carbon[(carbon.index >= decision.origin - WEEK) & (carbon.index < horizon)].dropna()
    return prices, carbon


def build_features(
    wholesale: pd.Series,
    carbon: pd.Series | None,
    decision: Decision,
    targets: pd.DatetimeIndex,
) -> pd.DataFrame:
    """One row per target slot: ``FEATURES`` plus ``persistence`` (W, same slot on the latest
    published day), ``level`` (the week's mean W), ``anchor`` and ``scale`` (``to_target``)."""
    prices, carbon = known_inputs(wholesale, carbon, decision)
    week = prices[prices.index >= decision.known_until - WEEK]
    if len(week) < 48:
        raise NotEnoughHistory(
            "a price forecast needs at least a day of published prices before "
            f"{decision.known_until.isoformat()}"
        )
    level = float(week.mean())
    spread = float(week.std())
    scale = max(spread, MIN_SCALE)
    frame = slot_calendar(targets)
    frame["lead_hours"] = (targets - decision.known_until) / pd.Timedelta(hours=1)
    frame["level"] = level
    frame["spread"] = spread
    earlier = _days_before(targets)
    back = _by_day_before(prices, earlier, len(targets))
    latest = _first_known_column(back)
    persistence = _pick(back, latest)
    with np.errstate(all="ignore"):
        slot_week = _nanmean(back[:, :7])
    frame["persistence"] = persistence
    frame["persist_rel"] = (persistence - level) / scale
    frame["slot_week_rel"] = (slot_week - level) / scale
    last_day = prices[prices.index >= decision.known_until - DAY]
    frame["last_day_rel"] = (float(last_day.mean()) - level) / scale
    _carbon_features(frame, carbon, decision, earlier, latest)
    known_level = np.full(len(frame), level)
    anchor = 0.5 * np.where(np.isnan(persistence), known_level, persistence)
    anchor += 0.5 * np.where(np.isnan(slot_week), known_level, slot_week)
    frame["anchor"] = anchor
    frame["scale"] = scale
    return frame


def to_target(wholesale: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
    """W (one value per row of ``frame``) -> what the model learns: (W - anchor) / scale."""
    return (np.asarray(wholesale, dtype=float) - frame["anchor"].to_numpy()) / frame[
        "scale"
    ].to_numpy()


def from_target(predicted: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
    """The model's output (rows x quantiles) -> W, undoing ``to_target``."""
    values = np.asarray(predicted, dtype=float)
    shape = (-1,) + (1,) * (values.ndim - 1)
    scale = frame["scale"].to_numpy().reshape(shape)
    return values * scale + frame["anchor"].to_numpy().reshape(shape)


def _carbon_features(
    frame: pd.DataFrame,
    carbon: pd.Series | None,
    decision: Decision,
    earlier: pd.DatetimeIndex,
    latest: np.ndarray,
) -> None:
    """The carbon forecast at each target, against the past week, the persistence slot and the
    last published day (a windier day than the one persistence copies is a cheaper day)."""
    columns = ("carbon", "carbon_rel", "carbon_vs_persist", "carbon_vs_last_day")
    if carbon is None or carbon.empty:
        for column in columns:
            frame[column] = np.nan
        return
    values = carbon.reindex(frame.index).to_numpy(dtype=float)
    recent = carbon[carbon.index < decision.origin]
    last_day = carbon[
        (carbon.index >= decision.known_until - DAY) & (carbon.index < decision.known_until)
    ]
    back = _by_day_before(carbon, earlier, len(frame))
    frame["carbon"] = values
    frame["carbon_rel"] = values - (float(recent.mean()) if len(recent) else np.nan)
    frame["carbon_vs_persist"] = values - _pick(back, latest)
    frame["carbon_vs_last_day"] = values - (float(last_day.mean()) if len(last_day) else np.nan)


def _days_before(targets: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The same UK wall time 1..LOOKBACK_DAYS days before each target, one day after another."""
    stacked = targets.append([targets] * (LOOKBACK_DAYS - 1))
    return same_wall_time_days_before(
        stacked, np.repeat(np.arange(1, LOOKBACK_DAYS + 1), len(targets))
    )


def _by_day_before(series: pd.Series, earlier: pd.DatetimeIndex, rows: int) -> np.ndarray:
    """``series`` at ``_days_before`` slots: rows x LOOKBACK_DAYS (column n-1: n days before)."""
    return series.reindex(earlier).to_numpy(dtype=float).reshape(LOOKBACK_DAYS, rows).T


def _first_known_column(columns: np.ndarray) -> np.ndarray:
    """Per row, the index of the first non-NaN column (-1 if none)."""
    known = ~np.isnan(columns)
    return np.where(known.any(axis=1), known.argmax(axis=1), -1)


def _pick(columns: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Per row, the value in column ``which`` (NaN where ``which`` is -1)."""
    values = columns[np.arange(len(columns)), np.maximum(which, 0)].astype(float)
    values[which < 0] = np.nan
    return values


def _nanmean(columns: np.ndarray) -> np.ndarray:
    counts = (~np.isnan(columns)).sum(axis=1)
    sums = np.nansum(columns, axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
