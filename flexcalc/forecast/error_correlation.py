"""How a forecast's errors move together: the split normal between the quantiles, and the
correlation of its slots' errors measured from held-out forecasts.

A slot's forecast is a split normal: its median, with the 10 % and 90 % quantiles at -/+ ``Z90``
standard deviations on each side. ``standardise`` turns an actual price into that slot's standard
score; ``equicorrelation`` estimates the one correlation shared by every pair of slots of a
forecast (pooled over forecasts), which ``predict.sample_paths`` uses by hours past the horizon.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

Z90 = 1.2815515655446004  # standard normal 90 % point: the 10/90 quantiles sit at -/+ this


def split_scales(quantiles: np.ndarray, upper: np.ndarray | np.bool_) -> np.ndarray:
    """Per slot, the standard deviation of the side of the median a value falls on
    (``quantiles``: rows of p10, p50, p90; ``upper``: True above the median)."""
    q = np.asarray(quantiles, dtype=float)
    return np.where(upper, q[:, 2] - q[:, 1], q[:, 1] - q[:, 0]) / Z90


def standardise(actual: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Standard scores of ``actual`` under each slot's split normal (NaN where the band is
    flat on that side: the score says nothing there)."""
    q = np.asarray(quantiles, dtype=float)
    miss = np.asarray(actual, dtype=float) - q[:, 1]
    scale = split_scales(q, miss > 0)
    with np.errstate(all="ignore"):
        return np.where(scale > 0, miss / scale, np.nan)


def equicorrelation(forecasts: Iterable[np.ndarray]) -> float:
    """The correlation shared by every pair of slots, pooled over forecasts (each a vector of
    standard scores; NaN slots dropped): sum over pairs i != j of z_i z_j, over (n - 1) times
    the sum of z_i squared. Errors are not centred per forecast: a shared level miss is exactly
    what moves a forecast's slots together."""
    pairs = squares = 0.0
    for z in forecasts:
        z = np.asarray(z, dtype=float)
        z = z[~np.isnan(z)]
        if len(z) < 2:
            continue
        square = float(z @ z)
        pairs += float(z.sum()) ** 2 - square
        squares += (len(z) - 1) * square
    if squares == 0:
        raise ValueError("no forecast with two or more scored slots")
    return pairs / squares
