"""GB electricity regions: Octopus letter, name, Carbon Intensity region id and MPAN distributor.

The tables are bundled copies of ``shared/data/reference`` (see ``flexcalc/data/SOURCES.md``).
``resolve`` turns whatever a user typed (letter, ``_C``, name, postcode, outcode or MPAN) into a
``Region``; a postcode district missing from the bundled table can be looked up live through
Octopus ``industry/grid-supply-points`` by passing ``live_lookup``.
"""

from __future__ import annotations

import csv
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Region:
    """One of the 14 GSP groups (Octopus regions)."""

    letter: str  # "A".."P" (no I or O)
    name: str  # GSP group name, e.g. "East Midlands"
    ci_region_id: int  # Carbon Intensity API region id (1..14)
    ci_name: str  # Carbon Intensity short name
    mpan_distributor_id: int  # first two digits of an MPAN (10..23)
    operator: str  # distribution network operator

    @property
    def gsp_group_id(self) -> str:
        return f"_{self.letter}"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.letter})"


class UnknownRegion(ValueError):
    """Raised with a friendly message when a region cannot be recognised."""


# Names people use for regions beyond the official ones.
_ALIASES = {
    "east anglia": "A",
    "eastern england": "A",
    "london": "C",
    "north wales": "D",
    "merseyside": "D",
    "west midlands": "E",
    "midlands": "E",
    "north east": "F",
    "north east england": "F",
    "north west": "G",
    "north west england": "G",
    "south": "H",
    "southern england": "H",
    "south east": "J",
    "south east england": "J",
    "south west": "L",
    "south west england": "L",
    "yorkshire": "M",
}

_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})?$")


def _data_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("flexcalc.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def all_regions() -> tuple[Region, ...]:
    """The 14 regions, ordered by letter."""
    rows = _data_rows("gsp_groups_mpan_distributors.csv")
    regions = [
        Region(
            letter=r["region_letter"],
            name=r["gsp_group_name"],
            ci_region_id=int(r["ci_regionid"]),
            ci_name=r["ci_shortname"],
            mpan_distributor_id=int(r["mpan_distributor_id"]),
            operator=r["dno_operator"],
        )
        for r in rows
    ]
    return tuple(sorted(regions, key=lambda r: r.letter))


@cache
def _by_letter() -> dict[str, Region]:
    return {r.letter: r for r in all_regions()}


@cache
def _postcode_districts() -> dict[str, str | None]:
    """Postcode district -> region letter (None for districts off the GB mainland grid)."""
    table: dict[str, str | None] = {}
    for row in _data_rows("postcode_district_to_gsp_group.csv"):
        gsp = row["gsp_group_id"].strip()
        table[row["postcode_district"].upper()] = gsp[1:] if gsp else None
    return table


def by_letter(letter: str) -> Region:
    """The region for an Octopus letter such as ``"C"`` or ``"_C"``."""
    key = letter.strip().upper().lstrip("_")
    try:
        return _by_letter()[key]
    except KeyError:
        raise UnknownRegion(
            f"There is no region {letter!r}: letters run A to P (no I or O)."
        ) from None


def by_ci_region_id(region_id: int) -> Region:
    for region in all_regions():
        if region.ci_region_id == region_id:
            return region
    raise UnknownRegion(f"Carbon Intensity region id {region_id} is not one of the 14 DNO regions.")


def by_mpan(mpan: str) -> Region:
    """The region of an MPAN: a core (13 digits), a full MPAN (21 digits: the core is the last
    13; the first two are the profile class) or a distributor id (the core's first two digits)."""
    digits = re.sub(r"\s", "", mpan)
    if len(digits) == 21:
        digits = digits[-13:]
    distributor = int(digits[:2])
    for region in all_regions():
        if region.mpan_distributor_id == distributor:
            return region
    raise UnknownRegion(
        f"MPAN distributor id {distributor:02d} is not a GB region (valid ids are 10 to 23)."
    )


MPAN_CHECK_PRIMES = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)


def is_mpan_core(digits: str) -> bool:
    """True for a 13-digit MPAN core whose check digit (the 12 digits times the primes 3..43
    without 11, summed, mod 11, mod 10) is right and whose distributor id is a GB one."""
    if len(digits) != 13 or not digits.isdigit():
        return False
    total = sum(int(d) * p for d, p in zip(digits, MPAN_CHECK_PRIMES, strict=False))
    known = {r.mpan_distributor_id for r in all_regions()}
    return total % 11 % 10 == int(digits[12]) and int(digits[:2]) in known


def mpan_core(text: str) -> str | None:
    """The core (last 13 digits) of a 13-digit core or 21-digit full MPAN written with or
    without spaces, if its check digit is right; else None."""
    digits = re.sub(r"[\s-]", "", text)
    core = digits[-13:] if len(digits) in (13, 21) else ""
    return core if is_mpan_core(core) else None


def postcode_district(text: str) -> str | None:
    """The outward code (``"NG1"``) of a postcode or outcode, or None if it is not one."""
    match = _POSTCODE_RE.match(text.strip().upper())
    return match.group(1) if match else None


def by_postcode(text: str, live_lookup: Callable[[str], str | None] | None = None) -> Region:
    """The region of a full postcode or an outcode; asks ``live_lookup`` when not in the table."""
    district = postcode_district(text)
    if district is None:
        raise UnknownRegion(f"{text!r} does not look like a UK postcode or outcode.")
    table = _postcode_districts()
    if district in table:
        letter = table[district]
        if letter is None:
            raise UnknownRegion(
                f"{district} is outside the GB mainland grid (no prices or regional carbon)."
            )
        return by_letter(letter)
    if live_lookup is not None:
        letter = live_lookup(text.strip().upper())
        if letter:
            return by_letter(letter)
    raise UnknownRegion(f"I don't know the postcode district {district}. Try a region letter A-P.")


def resolve(text: str, live_lookup: Callable[[str], str | None] | None = None) -> Region:
    """Whatever a user typed for a region -> ``Region`` (raises ``UnknownRegion``)."""
    raw = text.strip()
    if not raw:
        raise UnknownRegion("Which region? Give a letter A-P, a region name or a postcode.")
    cleaned = raw.upper().lstrip("_")
    if len(cleaned) == 1 and cleaned.isalpha():
        return by_letter(cleaned)
    digits = re.sub(r"\s", "", raw)
    if digits.isdigit() and (len(digits) in (2, 13, 21)):
        return by_mpan(digits)
    lowered = " ".join(raw.lower().replace("&", "and").split())
    for region in all_regions():
        names = {region.name.lower(), region.ci_name.lower().replace("&", "and")}
        if lowered in names:
            return region
    if lowered in _ALIASES:
        return by_letter(_ALIASES[lowered])
    if postcode_district(raw) is not None:
        return by_postcode(raw, live_lookup)
    raise UnknownRegion(
        f"I don't recognise the region {raw!r}. Try a letter (C), a name (East Midlands), "
        "a postcode (NG1 1AA) or an MPAN."
    )


FALLBACK_LETTER = "C"  # London: the default when nothing else says which region


def configured(setting: str | None = None) -> Region | None:
    """The region the deployment configured: ``setting`` (default: the FLEX_REGION environment
    variable) as a letter, name, postcode or MPAN; None when unset or not a region."""
    text = (os.environ.get("FLEX_REGION", "") if setting is None else setting).strip()
    if text:
        try:
            return resolve(text)
        except UnknownRegion:
            logging.getLogger(__name__).warning(
                "FLEX_REGION=%r is not a region; using %s", text, FALLBACK_LETTER
            )
    return None


def configured_default(setting: str | None = None) -> Region:
    """The deployment's default region (``configured``); London (C) when unset or not a
    region."""
    return configured(setting) or by_letter(FALLBACK_LETTER)
