"""The price and carbon history a model is trained on (real files, read with the usual readers).

``HISTORY_FILES`` lists the repo's recorded history (tests/fixtures/history): region C import
prices 2022-11-25..2024-09-30 (two Octopus products) and the region N 2023 dashboard export. They
become one wholesale-level series (C first, N where C has no data); the national carbon file gives
the forecast column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flexcalc.sources.csv_files import read_carbon, read_prices
from flexcalc.tariffs.regional_formula import to_wholesale

PRICE_FILES: tuple[tuple[str, str], ...] = (
    ("agile/electricity_costs_octopus_AGILE-FLEX-22-11-25_C_2022-11-25_2023-12-11.csv", "C"),
    ("agile/electricity_costs_octopus_AGILE-24-04-03_C_2024-04-03_2024-09-30.csv", "C"),
    ("agile/agile-half-hour-actual-rates-01-01-2023_31-12-2023.csv", "N"),
)
CARBON_FILES: tuple[str, ...] = (
    "carbon/uk_carbon_intensity_2022-11-25_2023-12-11.csv",
    "carbon/uk_carbon_intensity_2023-12-12_2024-04-02.csv",
    "carbon/uk_carbon_intensity_2024-04-03_2024-09-30.csv",
)


@dataclass(frozen=True)
class History:
    """Wholesale-level prices (p/kWh) and the national carbon forecast (gCO2/kWh), UTC slots."""

    wholesale: pd.Series
    carbon: pd.Series

    def before(self, end: pd.Timestamp) -> History:
        return History(self.wholesale[self.wholesale.index < end], self.carbon)


def read_history(folder: str | Path) -> History:
    """The recorded history in ``folder`` (a tests/fixtures/history layout)."""
    root = Path(folder)
    prices = [(root / name, letter) for name, letter in PRICE_FILES]
    return History(
        wholesale=wholesale_from_files(prices),
        carbon=carbon_forecast_from_files(root / name for name in CARBON_FILES),
    )


def wholesale_from_files(files: Iterable[tuple[str | Path, str]]) -> pd.Series:
    """Region price files -> one wholesale-level series; earlier files win where they overlap."""
    combined = pd.Series(dtype=float, index=pd.DatetimeIndex([], tz="UTC"))
    for path, letter in files:
        combined = combined.combine_first(to_wholesale(read_prices(path).prices, letter))
    return combined.sort_index().rename("wholesale")


def carbon_forecast_from_files(files: Iterable[str | Path]) -> pd.Series:
    """The ``forecast`` column of carbon files, joined (later files win on overlap)."""
    frames = [read_carbon(path).frame["forecast"] for path in files]
    joined = pd.concat(frames)
    return joined[~joined.index.duplicated(keep="last")].sort_index().rename("carbon")
