"""A data provider whose prices come from a chosen tariff (carbon and the rest unchanged).

Every command that reads prices through a ``DataProvider`` (bestslot, prices, backtest, battery,
footprint) works on any tariff by answering through this adapter.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from flexcalc.regions import Region
from flexcalc.sources.base import DataUnavailable, Forecast
from flexcalc.tariffs.base import Tariff, is_flat
from flexcalc.timeslots import floor_slot, fmt_day_time

LOOK_AHEAD = pd.Timedelta(hours=48)  # the carbon forecast's reach
PRICE_NOTE_PREFIXES = ("Prices to", "No Agile prices", "Prices:")


def flat_price_note(tariff: Tariff, rates: pd.Series) -> str | None:
    """Said when the price is the same in every slot (shifting only changes carbon)."""
    if rates.dropna().empty or not is_flat(rates):
        return None
    return (
        f"{tariff.name} has one price ({rates.dropna().iloc[0]:.2f}p/kWh) at every hour, so "
        "the best time is chosen for carbon; the cost is shown all the same."
    )


class TariffPricedProvider:
    """``DataProvider`` that prices with ``tariff`` (``export=True``: the export rates)."""

    def __init__(self, provider: Any, tariff: Tariff, export: bool = False) -> None:
        self.provider = provider
        self.tariff = tariff
        self.export = export
        self.prices_file = None  # a file's export column is not this tariff's: see export_history

    def __getattr__(self, name: str) -> Any:  # carbon, postcodes, source, ...: the provider's
        return getattr(self.provider, name)

    def rates(self, region: Region, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        if not self.export:
            return self.tariff.import_rates(region.letter, start, end).rename("price")
        rates = self.tariff.export_rates(region.letter, start, end)
        if rates is None:
            raise DataUnavailable(
                f"{self.tariff.name} has no export rates. Try 'on outgoing' (Agile Outgoing) "
                "or a custom tariff with 'export 15p'."
            )
        return rates.rename("price")

    def forecast(self, region: Region, now: pd.Timestamp) -> Forecast:
        base = self.provider.forecast(region, now)
        now = base.now  # the instant the data are for: a replayed sample day's, not today's
        # Look as far ahead as the forecast does, even when a tariff is known for a year.
        ahead = [floor_slot(now) + LOOK_AHEAD]
        ahead += [
            s.index[-1] + pd.Timedelta(minutes=30) for s in (base.prices, base.carbon) if len(s)
        ]
        end = min(self.tariff.known_until(now), max(ahead))
        prices = self.rates(region, floor_slot(now), end)
        prices.attrs = {**prices.attrs, "tariff": self.tariff.name}
        side = "Export prices" if self.export else "Prices"
        notes = [n for n in base.notes if not n.startswith(PRICE_NOTE_PREFIXES)]
        told = f"{side}: {self.tariff.name}"
        if len(prices):
            told += f", known to {fmt_day_time(prices.index[-1] + pd.Timedelta(minutes=30))}"
        notes.insert(0, told + ".")
        flat = flat_price_note(self.tariff, prices)
        if flat:
            notes.insert(1, flat)
        return dataclasses.replace(base, prices=prices, notes=notes)

    def price_history(self, region: Region, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        return self.rates(region, start, end)

    def export_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.Series | None:
        """The tariff's export rates (p/kWh) for [start, end), or None when it has none."""
        return self.tariff.export_rates(region.letter, start, end)
