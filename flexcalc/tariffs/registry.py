"""Tariff choices -> Tariffs: named families and product codes through the Octopus products API,
custom schedules and network bands as written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flexcalc.sources.base import DataUnavailable
from flexcalc.sources.http import UpstreamUnreachable
from flexcalc.sources.octopus import OctopusClient
from flexcalc.tariffs.base import Tariff, TariffKind
from flexcalc.tariffs.families import FAMILIES, family_of
from flexcalc.tariffs.octopus import OctopusTariff
from flexcalc.tariffs.offline import offline_tariff
from flexcalc.tariffs.schedule import BandedTariff, ScheduleTariff
from flexcalc.tariffs.spec import TariffChoice


def octopus_client_of(provider: Any) -> OctopusClient | None:
    """The Octopus client behind a data provider (live, or live with a sample fallback)."""
    for candidate in (provider, getattr(provider, "live", None)):
        client = getattr(candidate, "octopus", None)
        if isinstance(client, OctopusClient):
            return client
    return None


def _need(client: OctopusClient | None, what: str) -> OctopusClient:
    if client is None:
        raise DataUnavailable(
            f"{what} needs the live Octopus API, and this answer uses offline data. "
            "A custom tariff works offline: e.g. on custom 7.5p 00:30-04:30, 28p otherwise."
        )
    return client


def named(family: str, client: OctopusClient | None) -> OctopusTariff:
    """``agile`` -> Octopus Agile on today's product code (export paid at Agile Outgoing)."""
    rules = FAMILIES[family]
    octopus = _need(client, rules.label)
    shown = octopus.product_code(family)
    product = octopus.product_code(rules.imports) if rules.imports else shown
    export = None
    if rules.direction == "EXPORT":
        export = shown
    elif rules.export:
        export = octopus.product_code(rules.export)
    return OctopusTariff(
        key=family,
        name=f"{rules.label} ({shown})",
        kind=rules.kind,
        product=product,
        client=octopus,
        export_product=export,
    )


def _kind_from_detail(detail: dict[str, Any]) -> TariffKind:
    if detail.get("is_tracker"):
        return "tracker"
    if detail.get("is_variable") is False:
        return "fixed"
    return "dynamic" if "AGILE" in str(detail.get("code", "")) else "time_of_use"


def product(code: str, client: OctopusClient | None) -> OctopusTariff:
    """Any Octopus product code; its family (or its product detail) says what kind it is."""
    octopus = _need(client, f"The Octopus product {code}")
    family = family_of(code)
    detail = octopus.product_detail(code)
    kind = family.kind if family else _kind_from_detail(detail)
    label = detail.get("display_name") or detail.get("full_name") or (family and family.label)
    if family and family.direction == "EXPORT":
        return OctopusTariff(
            code, f"{label} ({code})", kind, octopus.product_code(family.imports), octopus, code
        )
    return OctopusTariff(code, f"{label or 'Octopus'} ({code})", kind, code, octopus)


def resolve(
    choice: TariffChoice,
    client: OctopusClient | None,
    offline: Callable[[TariffChoice], Tariff | None] | None = None,
) -> Tariff:
    """The tariff a choice names (raises ``DataUnavailable`` when Octopus cannot say).
    Without an Octopus client, ``offline`` may supply a stand-in for a named family."""
    if choice.kind == "custom":
        return ScheduleTariff(choice.periods, float(choice.otherwise or 0.0), choice.export)
    if choice.kind == "bands":
        kind = "named" if choice.word in FAMILIES else "product"
        return BandedTariff(
            resolve(TariffChoice(kind, choice.word), client, offline), choice.periods
        )
    if client is None and offline is not None:
        stand_in = offline(choice)
        if stand_in is not None:
            return stand_in
    if choice.kind == "named":
        return named(choice.word, client)
    return product(choice.word, client)


def for_provider(choice: TariffChoice, provider: Any) -> Tariff:
    """The tariff a choice names, priced through ``provider``'s Octopus client, or offline
    stand-ins when it has none (raises ``DataUnavailable`` with a message fit for users).

    When Octopus cannot be reached at all and ``provider`` falls back to the bundled sample
    (``FallbackProvider``), named families fall back to their offline stand-ins too, as prices
    do: each is labelled (``offline schedule``), and the answer already says it is offline."""

    def stand_in(c: TariffChoice) -> Tariff | None:
        return offline_tariff(c, provider)

    try:
        try:
            return resolve(choice, octopus_client_of(provider), stand_in)
        except UpstreamUnreachable:
            if getattr(provider, "sample", None) is None:
                raise
            return resolve(choice, None, stand_in)
    except LookupError as err:
        raise DataUnavailable(str(err)) from None
