"""Tariffs written down by their users: a daily time-of-use schedule, and network bands on top
of another tariff (DUoS red/amber/green style), both in UK wall-clock time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

import numpy as np
import pandas as pd

from flexcalc.tariffs.base import Tariff, TariffKind, slot_index
from flexcalc.tariffs.calendars import ahead_known_until
from flexcalc.tariffs.wallclock import EVERY_DAY, in_wall_span


@dataclass(frozen=True)
class Period:
    """A rate (or, in bands, an amount added) on a daily UK wall-clock span."""

    start: time
    end: time  # exclusive; end <= start wraps past midnight
    pence: float  # p/kWh inc VAT
    days: frozenset[int] = EVERY_DAY  # 0 = Monday
    label: str = ""

    def covers(self, slots: pd.DatetimeIndex) -> np.ndarray:
        return in_wall_span(slots, self.start, self.end, self.days)


def period_text(period: Period, band: bool = False) -> str:
    """``7.5p 00:30-04:30`` (a schedule) or ``red 16:00-19:00 weekdays +15p`` (a band)."""
    days = {frozenset(range(5)): " weekdays", frozenset((5, 6)): " weekends"}.get(period.days, "")
    when = f"{period.start:%H:%M}-{period.end:%H:%M}{days}"
    if not band:
        return f"{period.pence:g}p {when}"
    label = f"{period.label} " if period.label else ""
    return f"{label}{when} {'+' if period.pence >= 0 else ''}{period.pence:g}p"


def scheduled(periods: tuple[Period, ...], otherwise: float, slots: pd.DatetimeIndex) -> pd.Series:
    """Rates on ``slots``: the first listed period covering a slot, else ``otherwise``."""
    values = np.full(len(slots), float(otherwise))
    for period in reversed(periods):  # the first listed period wins overlaps
        values[period.covers(slots)] = period.pence
    return pd.Series(values, index=slots, name="price", dtype=float)


@dataclass(frozen=True)
class ScheduleTariff:
    """``7.5p 00:30-04:30, 28p otherwise``: earlier periods win where they overlap."""

    periods: tuple[Period, ...]
    otherwise: float
    export: float | None = None  # a flat export price, if given
    key: str = "custom"
    name: str = "Custom tariff"
    standing: float | None = None
    export_schedule: tuple[tuple[Period, ...], float] | None = None  # export by time of day

    @property
    def kind(self) -> TariffKind:
        values = {p.pence for p in self.periods} | {self.otherwise}
        return "fixed" if len(values) == 1 else "time_of_use"

    def describe(self) -> str:
        parts = [period_text(p) for p in self.periods] + [f"{self.otherwise:g}p otherwise"]
        return ", ".join(parts)

    def import_rates(self, region: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        return scheduled(self.periods, self.otherwise, slot_index(start, end))

    def export_rates(self, region: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series | None:
        slots = slot_index(start, end)
        if self.export_schedule is not None:
            return scheduled(*self.export_schedule, slots).rename("export")
        if self.export is None:
            return None
        return pd.Series(float(self.export), index=slots, name="export", dtype=float)

    def known_until(self, now: pd.Timestamp) -> pd.Timestamp:
        return ahead_known_until(now)

    def standing_charge(self, region: str) -> float | None:
        return self.standing


@dataclass(frozen=True)
class BandedTariff:
    """Network bands added to another tariff's import rates (``red 16:00-19:00 weekdays +15p``)."""

    base: Tariff = field(compare=False)
    bands: tuple[Period, ...]
    key: str = "bands"

    @property
    def name(self) -> str:
        return f"{self.base.name} with network bands"

    @property
    def kind(self) -> TariffKind:
        return "time_of_use" if self.base.kind == "fixed" else self.base.kind

    def describe(self) -> str:
        return ", ".join(period_text(b, band=True) for b in self.bands)

    def import_rates(self, region: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        rates = self.base.import_rates(region, start, end)
        extra = np.zeros(len(rates))
        for band in self.bands:  # bands add up where they overlap
            extra[band.covers(rates.index)] += band.pence
        banded = (rates + extra).rename("price")
        banded.attrs = dict(rates.attrs)
        return banded

    def export_rates(self, region: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series | None:
        return self.base.export_rates(region, start, end)

    def known_until(self, now: pd.Timestamp) -> pd.Timestamp:
        return self.base.known_until(now)

    def standing_charge(self, region: str) -> float | None:
        return self.base.standing_charge(region)
