"""Tariffs priced by the Octopus products API, for any product or tariff code.

A product's detail (``GET products/{code}/``) names each region's tariff code; single-register
tariffs price every slot from ``standard-unit-rates``, day/night (two-register) tariffs from
``day-unit-rates`` and ``night-unit-rates`` with the night register on 00:30-07:30 UK time (the
usual Economy 7 hours; Octopus does not publish a meter's own). Rows come newest first, of any
length, ``valid_to`` null meaning open-ended. Time-of-use patterns past the last published row
repeat the last published UK day by wall-clock time (the contract states them ahead).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Any

import pandas as pd

from flexcalc.sources import payloads
from flexcalc.sources.http import UpstreamError, keep_history
from flexcalc.sources.octopus import OctopusClient
from flexcalc.tariffs.base import TariffKind, slot_index
from flexcalc.tariffs.calendars import CALENDARS
from flexcalc.tariffs.wallclock import fill_by_wall_clock, in_wall_span
from flexcalc.timeslots import SLOT

HISTORY_AFTER = pd.Timedelta(days=2)  # rates older than this are final (cached for long)
NIGHT = (time(0, 30), time(7, 30))  # two-register night hours (UK time) when none are known


def tariff_codes(detail: dict[str, Any], region: str) -> tuple[str, int] | None:
    """(tariff code, registers) of a product in a region, preferring single-register direct
    debit; None when the product is not sold there."""
    letter = f"_{region.upper().lstrip('_')}"
    for key, registers in (
        ("single_register_electricity_tariffs", 1),
        ("dual_register_electricity_tariffs", 2),
    ):
        methods = (detail.get(key) or {}).get(letter) or {}
        if not isinstance(methods, dict):
            continue
        for method in ("direct_debit_monthly", *methods):
            entry = methods.get(method)
            if isinstance(entry, dict) and entry.get("code"):
                return str(entry["code"]), registers
    return None


def standing_charge_of(detail: dict[str, Any], region: str) -> float | None:
    letter = f"_{region.upper().lstrip('_')}"
    for key in ("single_register_electricity_tariffs", "dual_register_electricity_tariffs"):
        methods = (detail.get(key) or {}).get(letter) or {}
        for entry in methods.values() if isinstance(methods, dict) else ():
            if isinstance(entry, dict) and entry.get("standing_charge_inc_vat") is not None:
                return float(entry["standing_charge_inc_vat"])
    return None


@dataclass(frozen=True)
class OctopusTariff:
    """An Octopus product's import rates, plus an export product's rates where paired."""

    key: str
    name: str
    kind: TariffKind
    product: str
    client: OctopusClient = field(compare=False, repr=False)
    export_product: str | None = None

    def _detail(self, product: str) -> dict[str, Any]:
        try:
            return self.client.product_detail(product)
        except UpstreamError:
            return {}  # detail unavailable: fall back to the usual E-1R code

    def _code(self, product: str, region: str) -> tuple[str, int]:
        found = tariff_codes(self._detail(product), region)
        return found or (self.client.tariff_code(region, product), 1)

    def _register(
        self, product: str, code: str, register: str, slots: pd.DatetimeIndex
    ) -> tuple[pd.Series, dict]:
        """One register's rates on ``slots``. Past history is kept in the cache for long only
        when every slot has a rate (a short page is asked again next time)."""
        end = slots[-1] + SLOT
        rows, fresh = self.client.rate_rows(product, code, register, slots[0], end)
        try:
            steps = payloads.rate_steps(rows, what=f"Octopus {register} for {code}")
        except ValueError as exc:
            raise UpstreamError(str(exc)) from None
        rates = payloads.steps_on(steps, slots)
        if end < pd.Timestamp.now(tz="UTC") - HISTORY_AFTER:
            keep_history(self.client.session, fresh, bool(rates.notna().all()))
        return rates, {"fetched_at": fresh.fetched_at, "stale": fresh.stale}

    def _rates(
        self, product: str, region: str, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.Series:
        slots = slot_index(start, end)
        if len(slots) == 0:
            return pd.Series([], dtype=float, index=slots, name="price")
        code, registers = self._code(product, region)
        if registers == 1:
            rates, attrs = self._register(product, code, "standard-unit-rates", slots)
        else:
            day, attrs = self._register(product, code, "day-unit-rates", slots)
            night, _ = self._register(product, code, "night-unit-rates", slots)
            rates = day.where(~in_wall_span(slots, *NIGHT), night)
        if self.kind in ("time_of_use", "fixed"):
            rates = fill_by_wall_clock(rates)
        rates = rates.dropna().rename("price")
        rates.attrs = attrs
        return rates

    def import_rates(self, region: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        return self._rates(self.product, region, start, end)

    def export_rates(self, region: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series | None:
        if self.export_product is None:
            return None
        return self._rates(self.export_product, region, start, end).rename("export")

    def known_until(self, now: pd.Timestamp) -> pd.Timestamp:
        return CALENDARS[self.kind](now)

    def standing_charge(self, region: str) -> float | None:
        return standing_charge_of(self._detail(self.product), region)
