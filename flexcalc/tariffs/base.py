"""The Tariff seam: what every answer needs to know about what electricity costs.

A tariff gives import rates (and export rates where there is an export side) in p/kWh inc VAT on
UTC half-hour slots, its publication calendar (how far ahead its rates are known at a moment) and
its standing charge. Concrete tariffs live next to this module; callers depend on ``Tariff`` only.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

import pandas as pd

from flexcalc.timeslots import SLOT, utc

TariffKind = Literal["dynamic", "tracker", "time_of_use", "fixed"]
KINDS: tuple[TariffKind, ...] = ("dynamic", "tracker", "time_of_use", "fixed")


@runtime_checkable
class Tariff(Protocol):
    """Rates over time for one supply contract (import, and export where there is one)."""

    key: str  # "agile", "go", ..., "outgoing", "custom", or an Octopus product code
    name: str  # for headlines: "Octopus Agile (AGILE-24-10-01)", "Custom banded tariff"
    kind: TariffKind

    def import_rates(self, region: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        """p/kWh inc VAT on UTC half-hour slots in [start, end) (only the slots that are known)."""
        ...

    def export_rates(self, region: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series | None:
        """p/kWh paid for exported energy on UTC half-hours in [start, end); None: no export."""
        ...

    def known_until(self, now: pd.Timestamp) -> pd.Timestamp:
        """End (UTC, exclusive) of the rates known at ``now`` (the publication calendar)."""
        ...

    def standing_charge(self, region: str) -> float | None:
        """p/day inc VAT, or None when unknown."""
        ...


def slot_index(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """UTC half-hour slot starts in [start, end) (start rounded down to a slot)."""
    first = utc(start).floor("30min")
    return pd.date_range(first, utc(end), freq=SLOT, inclusive="left", name=None)


def empty_rates(name: str = "price") -> pd.Series:
    return pd.Series([], dtype=float, index=pd.DatetimeIndex([], tz="UTC"), name=name)


def is_flat(rates: pd.Series, tolerance: float = 1e-9) -> bool:
    """True when every known rate is the same (a fixed price: shifting cannot save money)."""
    values = rates.dropna()
    return values.empty or float(values.max() - values.min()) <= tolerance
