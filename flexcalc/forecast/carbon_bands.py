"""How sure a carbon forecast is: bands from the history of forecast vs actual.

``band`` measures the misses (actual minus forecast) of the recorded history over windows of a
given length: the 10th and 90th percentiles, and the mean absolute miss. The recorded history
keeps one forecast per slot (the API's latest, near-term one), so its bands are the near-term
ones; ``bands_by_hours_ahead`` measures by lead time when saved 48 h forecasts (``fw48h``
snapshots, each with the time it was issued) are available.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from flexcalc.sources.sample import sample_carbon

LEAD_EDGES_HOURS = (0, 6, 12, 24, 48)


@dataclass(frozen=True)
class CarbonBand:
    """Misses of the carbon forecast (gCO2/kWh): actual - forecast."""

    what: str  # e.g. "recorded near-term forecasts" or "6-12 h ahead"
    low: float  # 10th percentile
    high: float  # 90th percentile
    mae: float
    count: int

    def around(self, forecast: float) -> tuple[float, float]:
        """The 10-90 % range of the actual value around a forecast value."""
        return max(0.0, forecast + self.low), forecast + self.high


def band(frame: pd.DataFrame, slots: int = 1, what: str = "recorded forecasts") -> CarbonBand:
    """Band of the mean miss over ``slots`` consecutive half-hours (``forecast``, ``actual``)."""
    misses = (frame["actual"] - frame["forecast"]).astype(float)
    full = misses.reindex(pd.date_range(misses.index[0], misses.index[-1], freq="30min"))
    means = full.rolling(slots).mean().dropna().to_numpy()
    if len(means) == 0:
        raise ValueError("no slots with both a forecast and an actual value")
    low, high = np.percentile(means, [10, 90])
    return CarbonBand(what, float(low), float(high), float(np.abs(means).mean()), len(means))


def bands_by_hours_ahead(
    snapshots: Iterable[tuple[pd.Timestamp, pd.Series]],
    actual: pd.Series,
    edges: tuple[float, ...] = LEAD_EDGES_HOURS,
) -> list[CarbonBand]:
    """Bands per lead time from forecasts issued at known times (issued_at, forecast series)."""
    rows = []
    for issued, forecast in snapshots:
        lead = (forecast.index - issued) / pd.Timedelta(hours=1)
        miss = actual.reindex(forecast.index).to_numpy(dtype=float) - forecast.to_numpy(float)
        rows.append(pd.DataFrame({"lead": lead, "miss": miss}))
    table = pd.concat(rows).dropna() if rows else pd.DataFrame(columns=["lead", "miss"])
    out = []
    for a, b in itertools.pairwise(edges):
        part = table[(table["lead"] >= a) & (table["lead"] < b)]["miss"].to_numpy(dtype=float)
        if len(part):
            low, high = np.percentile(part, [10, 90])
            out.append(
                CarbonBand(
                    f"{a:g}-{b:g} h ahead",
                    float(low),
                    float(high),
                    float(np.abs(part).mean()),
                    len(part),
                )
            )
    return out


@cache
def recorded_band(slots: int = 1) -> CarbonBand:
    """The band of the bundled national history (2022-11 to 2024-09), for ``slots``-long windows."""
    return band(sample_carbon().frame, slots, "recorded near-term national forecasts")
