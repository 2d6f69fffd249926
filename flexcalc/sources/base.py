"""The data contract between sources and everything that uses them.

Series conventions (see ``flexcalc.timeslots``): tz-aware UTC ``DatetimeIndex`` of half-hour slot
starts, sorted, unique. Prices are p/kWh including VAT (can be negative); carbon is gCO2/kWh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from flexcalc.regions import Region


class DataUnavailable(RuntimeError):
    """No usable data (upstream down and nothing cached). The message is shown to users as is."""


@dataclass
class Forecast:
    """Upcoming prices and carbon for one region, from the slot containing ``now`` onwards."""

    region: Region
    prices: pd.Series  # p/kWh inc VAT, name "price"
    carbon: pd.Series  # gCO2/kWh forecast (regional where available), name "carbon"
    now: pd.Timestamp  # UTC instant the forecast was asked for
    mix: dict[str, float] = field(default_factory=dict)  # fuel -> % of generation now
    source: str = "live"  # "live" | "cache" | "sample" | "file"
    fetched_at: pd.Timestamp | None = None  # UTC time the data was obtained (age of cached data)
    notes: list[str] = field(default_factory=list)  # freshness, fallbacks, gaps: shown to users

    @property
    def is_sample(self) -> bool:
        return self.source == "sample"

    def frame(self) -> pd.DataFrame:
        """Prices and carbon side by side on the union of their slots (NaN where one is missing)."""
        return pd.concat({"price": self.prices, "carbon": self.carbon}, axis=1, sort=True)


class DataProvider(Protocol):
    """What ``flexcalc.commands`` needs from a data source."""

    def forecast(self, region: Region, now: pd.Timestamp) -> Forecast:
        """Prices and carbon from the slot containing ``now``; raises ``DataUnavailable``."""
        ...

    def price_history(self, region: Region, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        """Day-ahead import prices (p/kWh) for slots in [start, end): the default tariff's;
        ``flexcalc.tariffs.priced.TariffPricedProvider`` answers for any other tariff."""
        ...

    def carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """Carbon intensity for slots in [start, end): columns ``forecast`` and ``actual``
        (gCO2/kWh, NaN where missing; an ``actual`` of 0 counts as missing)."""
        ...

    def regional_carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.Series | None:
        """The region's own carbon intensity (gCO2/kWh forecast; regional data has no actual)
        for slots in [start, end), or None when this source has no regional history (national
        data only). Optional: callers treat a provider without this method as returning None.
        Unlike ``carbon_history`` this is never national data relabelled as regional."""
        ...

    def lookup_postcode(self, postcode: str) -> str | None:
        """Region letter for a postcode via Octopus grid-supply-points, or None."""
        ...
