"""Price forecasts past the last published slot, for any region, from the shipped model.

``price_outlook`` turns a region's published import prices (at least the last day, ideally the
last week) into 10/50/90 % import and export prices for the 7 days after the last published slot.
``stays_best_probability`` says how likely a chosen window is to remain the cheapest once the
forecast slots are published, from correlated samples drawn between the quantiles; the
correlation of a forecast's slot errors is the one measured on held-out seasons, by lead day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from flexcalc.forecast.error_correlation import split_scales
from flexcalc.forecast.features import Decision, build_features
from flexcalc.forecast.model import HORIZON, QUANTILES, PriceModel, shipped_model
from flexcalc.tariffs.regional_formula import (
    export_from_wholesale,
    import_from_wholesale,
    to_wholesale,
)
from flexcalc.timeslots import SLOT

COLUMNS = ["p10", "p50", "p90"]
# Correlation between two slots' errors in one forecast, by lead day (0 = the first 24 h past the
# published horizon), measured on 295 held-out days (bench_forecast, docs/forecasts.md), with the
# band fitted at 5/95 % (ADR 0109).
ERROR_CORRELATION = (0.03, 0.16, 0.53, 0.37, 0.53, 0.52, 0.53)
SAMPLES = 400


@dataclass(frozen=True)
class PriceOutlook:
    """Forecast prices (p/kWh) for slots from ``known_until``; never published values."""

    letter: str
    decision: Decision
    imports: pd.DataFrame  # columns p10, p50, p90; UTC slot index
    exports: pd.DataFrame

    @property
    def median(self) -> pd.Series:
        return self.imports["p50"].rename("price")


def forecast_slots(
    known_until: pd.Timestamp, until: pd.Timestamp | None = None
) -> pd.DatetimeIndex:
    """Slots from ``known_until`` up to ``until`` (at most 7 days)."""
    end = known_until + HORIZON if until is None else min(until, known_until + HORIZON)
    return pd.date_range(known_until, end, freq=SLOT, inclusive="left")


def price_outlook(
    published: pd.Series,
    letter: str,
    carbon: pd.Series | None,
    now: pd.Timestamp,
    until: pd.Timestamp | None = None,
    model: PriceModel | None = None,
) -> PriceOutlook:
    """Quantile forecasts after the last published slot of ``published`` (region import prices).

    Raises ``features.NotEnoughHistory`` when less than a day of prices precedes that slot.
    """
    return price_outlooks({letter: published}, carbon, now, until, model)[letter]


def price_outlooks(
    published: dict[str, pd.Series],
    carbon: pd.Series | None,
    now: pd.Timestamp,
    until: pd.Timestamp | None = None,
    model: PriceModel | None = None,
) -> dict[str, PriceOutlook]:
    """``price_outlook`` for several regions (letter -> published prices) in one model call."""
    decisions, frames = {}, {}
    for letter, prices in published.items():
        prices = prices.dropna()
        known_until = prices.index[-1] + SLOT if len(prices) else now
        decisions[letter] = Decision(origin=now, known_until=known_until)
        targets = forecast_slots(known_until, until)
        frames[letter] = build_features(
            to_wholesale(prices, letter), carbon, decisions[letter], targets
        )
    wholesale = (model or shipped_model()).predict(pd.concat(frames.values()))
    out, start = {}, 0
    for letter, frame in frames.items():
        part, start = wholesale[start : start + len(frame)], start + len(frame)
        targets = frame.index
        imports = np.sort(import_from_wholesale(part, targets, letter), axis=1)
        exports = np.sort(export_from_wholesale(part, targets), axis=1)
        out[letter] = PriceOutlook(
            letter=letter,
            decision=decisions[letter],
            imports=pd.DataFrame(imports, index=targets, columns=COLUMNS),
            exports=pd.DataFrame(exports, index=targets, columns=COLUMNS),
        )
    return out


def error_loadings(index: pd.DatetimeIndex, known_until: pd.Timestamp) -> np.ndarray:
    """Per slot, the weight of the error it shares with the rest of its forecast: the square
    root of ``ERROR_CORRELATION`` for its lead day (two slots then correlate by the product)."""
    lead_day = np.asarray((index - known_until) // pd.Timedelta(days=1), dtype=int)
    days = np.clip(lead_day, 0, len(ERROR_CORRELATION) - 1)
    return np.sqrt(np.asarray(ERROR_CORRELATION)[days])


def sample_paths(
    quantiles: pd.DataFrame, known_until: pd.Timestamp, n: int = SAMPLES, seed: int = 0
) -> np.ndarray:
    """``n`` price paths (n x slots) between the quantiles: a split normal per slot, errors
    correlated across slots as measured (``error_loadings``)."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal((n, 1))
    own = rng.standard_normal((n, len(quantiles)))
    loading = error_loadings(quantiles.index, known_until)
    z = loading * common + np.sqrt(1 - loading**2) * own
    q = quantiles[COLUMNS].to_numpy(dtype=float)
    scale = np.where(z > 0, split_scales(q, np.True_), split_scales(q, np.False_))
    return q[:, 1] + z * scale


def stays_best_probability(
    known: pd.Series, outlook: PriceOutlook, start: pd.Timestamp, slots: int
) -> float:
    """Chance that the window of ``slots`` starting at ``start`` is still the cheapest in
    ``known`` (published and forecast prices, forecast slots carrying the outlook's median)
    once the forecast slots are published."""
    forecast_part = known.index.intersection(outlook.imports.index)
    if forecast_part.empty:
        return 1.0
    paths = np.tile(known.to_numpy(dtype=float), (SAMPLES, 1))
    where = known.index.get_indexer(forecast_part)
    paths[:, where] = sample_paths(outlook.imports.loc[forecast_part], outlook.decision.known_until)
    kernel_sums = np.cumsum(np.pad(paths, ((0, 0), (1, 0))), axis=1)
    means = (kernel_sums[:, slots:] - kernel_sums[:, :-slots]) / slots
    contiguous = _contiguous_starts(known.index, slots)
    means[:, ~contiguous] = np.inf
    chosen = known.index.get_loc(start)
    return float((means[:, chosen] <= means.min(axis=1) + 1e-9).mean())


def _contiguous_starts(index: pd.DatetimeIndex, slots: int) -> np.ndarray:
    """For each possible window start, True if its ``slots`` half-hours have no gap."""
    steps = np.asarray((index[1:] - index[:-1]) == SLOT)
    ok = np.ones(len(index) - slots + 1, dtype=bool)
    for offset in range(slots - 1):
        ok &= steps[offset : offset + len(ok)]
    return ok


__all__ = ["COLUMNS", "QUANTILES", "PriceOutlook", "price_outlook", "stays_best_probability"]
