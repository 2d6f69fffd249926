"""Model inputs known at decision time (rolling origin): nothing published later is ever seen.

A forecast is made at ``origin``; published prices then end at ``known_until`` (the tariff's
publication calendar). ``known_inputs`` is the one gate: it cuts the price history at
``known_until`` and the carbon forecast at ``origin`` + 48 h (the Carbon Intensity forecast
horizon). Every feature is computed from its output only.

Prices enter as the wholesale-level W (``flexcalc.tariffs.regional_formula``) so one model serves
every region; the target is W minus its mean over the last published week, so the model learns
the shape around the current level rather than a level it may never have seen.
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
]
WEEK = pd.Timedelta(days=7)
DAY = pd.Timedelta(days=1)
LOOKBACK_DAYS = 8  # persistence looks this many days back for a published same slot


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
    published day) and ``level`` for turning predictions back into W."""
    prices, carbon = known_inputs(wholesale, carbon, decision)
    week = prices[prices.index >= decision.known_until - WEEK]
    if len(week) < 48:
        raise NotEnoughHistory(
            "a price forecast needs at least a day of published prices before "
            f"{decision.known_until.isoformat()}"
        )
    level = float(week.mean())
    frame = slot_calendar(targets)
    frame["lead_hours"] = (targets - decision.known_until) / pd.Timedelta(hours=1)
    frame["level"] = level
    frame["spread"] = float(week.std())
    back = np.column_stack(
        [
            prices.reindex(same_wall_time_days_before(targets, n)).to_numpy()
            for n in range(1, LOOKBACK_DAYS + 1)
        ]
    )
    persistence = _first_known(back)
    frame["persistence"] = persistence
    frame["persist_rel"] = persistence - level
    with np.errstate(all="ignore"):
        frame["slot_week_rel"] = _nanmean(back[:, :7]) - level
    last_day = prices[prices.index >= decision.known_until - DAY]
    frame["last_day_rel"] = float(last_day.mean()) - level
    if carbon is None or carbon.empty:
        frame["carbon"] = np.nan
        frame["carbon_rel"] = np.nan
    else:
        recent = carbon[carbon.index < decision.origin]
        values = carbon.reindex(targets).to_numpy(dtype=float)
        frame["carbon"] = values
        frame["carbon_rel"] = values - (float(recent.mean()) if len(recent) else np.nan)
    return frame


def _first_known(columns: np.ndarray) -> np.ndarray:
    """Per row, the first non-NaN value (NaN if none)."""
    known = ~np.isnan(columns)
    first = known.argmax(axis=1)
    values = columns[np.arange(len(columns)), first]
    values[~known.any(axis=1)] = np.nan
    return values


def _nanmean(columns: np.ndarray) -> np.ndarray:
    counts = (~np.isnan(columns)).sum(axis=1)
    sums = np.nansum(columns, axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
