"""Tariffs without the Octopus API (offline sample, files): the default family from the data
provider's own prices (and its export column, when a dashboard export has one), and the named
time-of-use families from bundled schedules (``flexcalc/data/tariff_schedules.json``)."""

from __future__ import annotations

import json
from datetime import time
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from flexcalc import regions
from flexcalc.tariffs.base import Tariff, TariffKind
from flexcalc.tariffs.calendars import CALENDARS
from flexcalc.tariffs.families import DEFAULT_FAMILY, FAMILIES
from flexcalc.tariffs.schedule import Period, ScheduleTariff
from flexcalc.tariffs.spec import TariffChoice

OFFLINE_NOTE = "offline schedule"  # approximate 2024 London rates (see the data file)


@cache
def schedules() -> dict[str, Any]:
    text = resources.files("flexcalc.data").joinpath("tariff_schedules.json").read_text("utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


def _periods(rows: list[list[Any]]) -> tuple[Period, ...]:
    return tuple(
        Period(time.fromisoformat(a), time.fromisoformat(b), float(pence)) for a, b, pence in rows
    )


def schedule_tariff(family: str) -> ScheduleTariff | None:
    """A named time-of-use family from the bundled schedules (None if none is bundled)."""
    entry = schedules().get(family)
    if entry is None:
        return None
    export = entry.get("export")
    return ScheduleTariff(
        periods=_periods(entry["periods"]),
        otherwise=float(entry["otherwise"]),
        export=None,
        key=family,
        name=f"{FAMILIES[family].label} ({OFFLINE_NOTE})",
        standing=entry.get("standing"),
        export_schedule=(_periods(export["periods"]), float(export["otherwise"]))
        if export
        else None,
    )


class ProviderPricesTariff:
    """The default family's prices as a data provider has them (offline sample, files)."""

    kind: TariffKind = "dynamic"

    def __init__(self, provider: Any, key: str = DEFAULT_FAMILY) -> None:
        self.provider = provider
        self.key = key
        self.name = f"{FAMILIES[key].label} ({getattr(provider, 'source', 'data')} prices)"

    def import_rates(self, region: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        return self.provider.price_history(regions.resolve(region), start, end).rename("price")

    def export_rates(self, region: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series | None:
        prices_file = getattr(self.provider, "prices_file", None)
        export = getattr(prices_file, "export", None)
        if export is None:
            return None
        return export.loc[(export.index >= start) & (export.index < end)].rename("export")

    def known_until(self, now: pd.Timestamp) -> pd.Timestamp:
        return CALENDARS[self.kind](now)

    def standing_charge(self, region: str) -> float | None:
        return None


def offline_tariff(choice: TariffChoice, provider: Any) -> Tariff | None:
    """What stands in for a named family without Octopus (None: nothing can)."""
    if choice.kind != "named":
        return None
    if choice.word in (DEFAULT_FAMILY, "outgoing"):
        return ProviderPricesTariff(provider, choice.word)
    return schedule_tariff(choice.word)
