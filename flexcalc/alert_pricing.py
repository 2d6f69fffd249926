"""Which prices an alert uses: a channel's default tariff (or the default family when none).

An alert follows the tariff its channel (or workspace) set with ``tariff …``: import tariffs rank
the cheapest and greenest times, export-only tariffs (Agile Outgoing, Flux export) rank the
highest export price, and a flat (fixed) price switches the ranking to carbon with a note (the
tariff-priced provider adds it). Only Agile import prices are forecast past publication: the
shipped model is a model of them (docs/forecasts.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flexcalc.tariffs import registry
from flexcalc.tariffs.families import DEFAULT_FAMILY, FAMILIES, Family, family_of
from flexcalc.tariffs.priced import TariffPricedProvider
from flexcalc.tariffs.spec import TariffChoice

FORECAST_FAMILY = "agile"  # the family the shipped price model forecasts (import side)


def _family(choice: TariffChoice | None) -> Family | None:
    if choice is None:
        return FAMILIES[DEFAULT_FAMILY]
    if choice.kind == "named":
        return FAMILIES.get(choice.word)
    if choice.kind == "product":
        return family_of(choice.word)
    return None  # custom schedules and banded tariffs are the user's own


def export_only(choice: TariffChoice | None) -> bool:
    """True for a tariff that only pays for export (its alerts rank the highest price)."""
    family = _family(choice)
    return family is not None and family.direction == "EXPORT"


def forecastable(choice: TariffChoice | None) -> bool:
    """True when the shipped price model forecasts this tariff's unpublished import prices."""
    family = _family(choice)
    return family is not None and family.key == FORECAST_FAMILY


@dataclass(frozen=True)
class AlertPricing:
    """How one (region-independent) tariff choice prices alerts."""

    choice: TariffChoice | None  # None: the deployment's default family
    provider: Any  # a DataProvider whose prices are this tariff's
    export: bool = False  # rank the highest (export) price
    forecast: bool = False  # fill unpublished slots from the shipped price forecast

    @property
    def key(self) -> str:
        """The words that name this pricing (cache keys: renders per region and tariff)."""
        return self.choice.text() if self.choice is not None else ""


def alert_pricing(provider: Any, choice: TariffChoice | None) -> AlertPricing:
    """Pricing for alerts on ``choice`` (raises ``DataUnavailable`` when it can't be priced)."""
    if choice is None:
        return AlertPricing(None, provider, forecast=forecastable(None))
    export = export_only(choice)
    tariff = registry.for_provider(choice, provider)
    priced = TariffPricedProvider(provider, tariff, export=export)
    return AlertPricing(choice, priced, export=export, forecast=forecastable(choice))
