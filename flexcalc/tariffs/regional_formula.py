"""Regional price formula: one wholesale-level price serves all 14 regions.

Import price (p/kWh inc VAT) = min(CAP, VAT x (multiplier x W + peak_adder x [16:00-19:00 UK]))
where W is the wholesale-level price in p/kWh. The regional multipliers and peak adders are the
ones Octopus publishes for its dynamic (Agile) import product. The fixtures confirm C against N:
off-peak, region C (2.0) over region N (2.1) is 0.952 in the 2023 history (16,558 common slots),
and from July 2023 both give the same W at the peak too once C's adder is 12 (15 before
ADR 0110 left C's peak W 1.5 p/kWh too low; the recorded slots agree to 0.01 p).

Export prices follow the outgoing product's relation to the same wholesale level. Only region N
has export history in the fixtures, so the relation is fitted there (2023) and applied to every
region's W: a documented approximation (docs/forecasts.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flexcalc.timeslots import LONDON

VAT = 1.05
CAP = 100.0  # p/kWh inc VAT
PEAK_HOURS = (16, 19)  # UK wall-clock [16:00, 19:00)

# Region letter -> (multiplier, peak adder p/kWh ex VAT).
REGION_FACTORS: dict[str, tuple[float, float]] = {
    "A": (2.10, 13.0),
    "B": (2.00, 14.0),
    "C": (2.00, 12.0),
    "D": (2.20, 13.0),
    "E": (2.00, 11.0),
    "F": (2.10, 12.0),
    "G": (2.10, 13.0),
    "H": (2.10, 12.0),
    "J": (2.20, 12.0),
    "K": (2.20, 12.0),
    "L": (2.30, 11.0),
    "M": (2.00, 13.0),
    "N": (2.10, 13.0),
    "P": (2.40, 12.0),
}

# Export p/kWh = a x W + b x peak + c, least squares on region N 2023 (dashboard export column).
EXPORT_FIT = (0.9933, 5.692, 0.772)  # mean absolute misfit 0.46 p/kWh


def is_peak(index: pd.DatetimeIndex) -> np.ndarray:
    """True for slots starting 16:00-18:30 UK time."""
    hours = index.tz_convert(LONDON).hour
    return np.asarray((hours >= PEAK_HOURS[0]) & (hours < PEAK_HOURS[1]))


def factors(letter: str) -> tuple[float, float]:
    try:
        return REGION_FACTORS[letter]
    except KeyError:
        raise ValueError(f"no price formula for region {letter!r}") from None


def to_wholesale(prices: pd.Series, letter: str) -> pd.Series:
    """Region import prices (p/kWh inc VAT) -> wholesale-level W (p/kWh)."""
    mult, adder = factors(letter)
    peak = is_peak(prices.index)
    values = (prices.to_numpy(dtype=float) / VAT - adder * peak) / mult
    return pd.Series(values, index=prices.index, name="wholesale")


def import_from_wholesale(
    wholesale: np.ndarray, index: pd.DatetimeIndex, letter: str
) -> np.ndarray:
    """Wholesale-level W -> the region's import price (p/kWh inc VAT), capped."""
    mult, adder = factors(letter)
    w = np.asarray(wholesale, dtype=float)
    values = VAT * (mult * w + adder * _peak_like(index, w))
    return np.minimum(values, CAP)


def export_from_wholesale(wholesale: np.ndarray, index: pd.DatetimeIndex) -> np.ndarray:
    """Wholesale-level W -> export price (p/kWh), never below zero."""
    a, b, c = EXPORT_FIT
    w = np.asarray(wholesale, dtype=float)
    return np.maximum(a * w + b * _peak_like(index, w) + c, 0.0)


def _peak_like(index: pd.DatetimeIndex, values: np.ndarray) -> np.ndarray:
    """The peak flag shaped to broadcast against ``values`` (one row per slot)."""
    peak = is_peak(index).astype(float)
    return peak.reshape((-1,) + (1,) * (values.ndim - 1))
