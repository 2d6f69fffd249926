"""Named Octopus tariff families and how to find each one's current product code.

Pure rules over a ``GET /v1/products/`` listing (no I/O), shared by the Octopus client and the
tariff registry so product discovery has one code path. Octopus relaunches products under new
codes (``AGILE-23-12-06`` -> ``AGILE-24-10-01``); the newest matching listing wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from flexcalc.tariffs.base import TariffKind
from flexcalc.timeslots import utc

DEFAULT_FAMILY = "agile"  # the family answers use when no tariff is named
DEFAULT_SHORT_LABEL = "Agile"  # "Agile prices — London (C)" when no tariff is named
PINNED_ENV = "FLEX_AGILE_PRODUCT"  # pins the default family's product code (ops override)


class NoSuchProduct(LookupError):
    """No listed product matches a family (the message is fit for users)."""


@dataclass(frozen=True)
class Family:
    key: str  # the word users type: "agile", "go", ...
    label: str  # "Octopus Agile"
    kind: TariffKind
    prefixes: tuple[str, ...]  # product codes start with one of these
    excludes: tuple[str, ...] = ()  # ... and with none of these
    direction: str = "IMPORT"
    export: str | None = None  # the family whose rates pay for export, if paired
    imports: str | None = None  # an export family: the import family it is sold with
    fallback: str | None = None  # a known code when the listing has none (Tracker is unlisted)


FAMILIES: dict[str, Family] = {
    f.key: f
    for f in (
        Family(
            "agile", "Octopus Agile", "dynamic", ("AGILE-",), ("AGILE-OUTGOING",), export="outgoing"
        ),
        Family("go", "Octopus Go", "time_of_use", ("GO-VAR-",)),
        Family(
            "intelligent",
            "Intelligent Octopus Go",
            "time_of_use",
            ("INTELLI-VAR-",),
            ("INTELLI-VAR-OEV",),
        ),
        Family("cosy", "Cosy Octopus", "time_of_use", ("COSY-",), ("COSY-FIX",)),
        Family("flux", "Octopus Flux", "time_of_use", ("FLUX-IMPORT-",), export="flux-export"),
        Family(
            "flux-export",
            "Octopus Flux export",
            "time_of_use",
            ("FLUX-EXPORT-",),
            direction="EXPORT",
            imports="flux",
        ),
        Family(
            "tracker", "Octopus Tracker", "tracker", ("SILVER-",), fallback="SILVER-FLEX-22-11-25"
        ),
        Family("fixed", "Octopus 12M Fixed", "fixed", ("OE-FIX-12M-",)),
        Family(
            "outgoing",
            "Octopus Agile Outgoing",
            "dynamic",
            ("AGILE-OUTGOING-",),
            direction="EXPORT",
            imports="agile",
        ),
    )
}
# The words users may type (the paired Flux export side is reached through "flux").
NAMED = ("agile", "go", "intelligent", "cosy", "flux", "tracker", "fixed", "outgoing")


def _available(product: dict[str, Any]) -> pd.Timestamp:
    try:
        return utc(pd.Timestamp(product.get("available_from")))
    except (TypeError, ValueError):
        return pd.Timestamp(0, tz="UTC")


def matches(family: Family, product: dict[str, Any]) -> bool:
    code = str(product.get("code", ""))
    return (
        code.startswith(family.prefixes)
        and not code.startswith(family.excludes)
        and str(product.get("direction", family.direction)).upper() == family.direction
        and not product.get("is_business", False)
    )


def pick_product(products: list[dict[str, Any]], family: str) -> str:
    """The newest product code of ``family`` in a ``products/`` listing.

    Octopus-branded products beat white labels (Bulb twins launch later under ``-BB-`` codes),
    then the newest ``available_from`` wins, then the shorter code.
    """
    rules = FAMILIES[family]
    candidates = [p for p in products if matches(rules, p)]
    if not candidates:
        if rules.fallback:
            return rules.fallback
        raise NoSuchProduct(f"Octopus lists no {rules.label} product right now.")

    def rank(product: dict[str, Any]) -> tuple[bool, pd.Timestamp, int]:
        return product.get("brand") == "OCTOPUS_ENERGY", _available(product), -len(product["code"])

    return str(max(candidates, key=rank)["code"])


def prices_label(prices: pd.Series) -> str:
    """Whose prices these are: the tariff a tariff-priced provider set, else the default's."""
    return str(prices.attrs.get("tariff") or DEFAULT_SHORT_LABEL)


def tariff_name(provider: object = None) -> str:
    """The name of the tariff whose prices a provider gives, for notes: a tariff-priced
    provider's ``Tariff.name``, "your prices file" for files, else the default family's label
    ("Octopus Agile": what the live and sample data are)."""
    tariff = getattr(provider, "tariff", None)
    if tariff is not None:
        return str(tariff.name)
    if getattr(provider, "source", "") == "file":
        return "your prices file"
    return FAMILIES[DEFAULT_FAMILY].label


def source_text(source: str, prices: pd.Series) -> str:
    """Chart footers: where a forecast's prices and carbon come from."""
    if source == "sample":
        return "Offline sample data — not live"
    if source == "file":
        return "From your files"
    label = prices.attrs.get("tariff") or f"Octopus {DEFAULT_SHORT_LABEL}"
    return f"{label} + Carbon Intensity API"


def family_of(code: str) -> Family | None:
    """The family a product code belongs to (``"GO-VAR-22-10-14"`` -> go), if any."""
    probe = {"code": code.upper()}
    for family in FAMILIES.values():
        if matches(family, {**probe, "direction": family.direction}):
            return family
    return None
