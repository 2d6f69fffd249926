"""Tariff words -> a ``TariffChoice`` (pure; no I/O). The grammar and the bot settings use it.

* a name: ``agile``, ``go``, ``intelligent``, ``cosy``, ``flux``, ``tracker``, ``fixed``,
  ``outgoing`` (see ``families.NAMED``);
* an Octopus product or tariff code: ``GO-VAR-22-10-14``, ``E-1R-COSY-22-12-08-C``;
* ``custom 7.5p 00:30-04:30, 28p otherwise`` (optionally ``weekdays``/``weekends`` after a span
  and ``export 15p``): a daily UK wall-clock schedule;
* ``bands [over NAME] red 16:00-19:00 weekdays +15p, amber 07:00-16:00 +3p``: amounts added to
  another tariff (Agile unless ``over`` names one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from flexcalc.tariffs.families import DEFAULT_FAMILY, NAMED
from flexcalc.tariffs.schedule import Period, period_text
from flexcalc.tariffs.wallclock import EVERY_DAY, WEEKDAYS, WEEKENDS

_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_PRICE = re.compile(r"^(?P<sign>[+-]?)(?P<n>\d+(?:\.\d+)?)p$", re.IGNORECASE)
_CODE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)+$", re.IGNORECASE)
_TARIFF_CODE = re.compile(r"^E-[12]R-(?P<product>.+)-[A-P]$", re.IGNORECASE)
_DAYS = {"weekdays": WEEKDAYS, "weekends": WEEKENDS, "daily": EVERY_DAY, "everyday": EVERY_DAY}
MAX_PENCE = 1000.0

EXAMPLES = [
    "tariff go",
    "tariff custom 7.5p 00:30-04:30, 28p otherwise",
    "tariff bands red 16:00-19:00 weekdays +15p, amber 07:00-16:00 +3p",
]


class TariffSpecError(ValueError):
    """Tariff words that cannot be read (the message is fit for users)."""


@dataclass(frozen=True)
class TariffChoice:
    kind: str  # "named" | "product" | "custom" | "bands"
    word: str = DEFAULT_FAMILY  # family name or product code (bands: the base tariff)
    periods: tuple[Period, ...] = ()
    otherwise: float | None = None
    export: float | None = None

    def text(self) -> str:
        """Words that read back to this choice (stored as a channel or personal setting)."""
        if self.kind in ("named", "product"):
            return self.word
        if self.kind == "custom":
            parts = [period_text(p) for p in self.periods] + [f"{self.otherwise:g}p otherwise"]
            if self.export is not None:
                parts.append(f"export {self.export:g}p")
            return "custom " + ", ".join(parts)
        over = f"over {self.word} " if self.word != DEFAULT_FAMILY else ""
        return "bands " + over + ", ".join(period_text(p, band=True) for p in self.periods)


def _time(h: str, m: str) -> time:
    hour, minute = int(h), int(m)
    if hour == 24 and minute == 0:
        return time(0, 0)
    if hour > 23 or minute not in (0, 30):
        raise TariffSpecError(
            f"{h}:{m} is not a half-hour time of day; tariff times are like 00:30 or 16:00."
        )
    return time(hour, minute)


def span(word: str) -> tuple[time, time] | None:
    match = _SPAN.match(word)
    if not match:
        return None
    start, end = _time(*match.group(1, 2)), _time(*match.group(3, 4))
    if start == end:
        raise TariffSpecError(f"{word} is an empty span; give a start and a different end.")
    return start, end


def price(word: str, signed: bool = False) -> float | None:
    match = _PRICE.match(word)
    if not match or (match["sign"] and not signed):
        return None
    value = float(match["n"]) * (-1 if match["sign"] == "-" else 1)
    if abs(value) > MAX_PENCE:
        raise TariffSpecError(f"{word} is more than {MAX_PENCE:g}p/kWh; check the price.")
    return value


def _days(words: list[str], i: int) -> tuple[frozenset[int], int]:
    if i < len(words) and words[i].lower() in _DAYS:
        return _DAYS[words[i].lower()], i + 1
    return EVERY_DAY, i


def _custom(words: list[str], i: int) -> tuple[TariffChoice, int]:
    periods: list[Period] = []
    otherwise = export = None
    while i < len(words):
        word = words[i].lower()
        if word == "export" and i + 1 < len(words) and price(words[i + 1]) is not None:
            export, i = price(words[i + 1]), i + 2
            continue
        value = price(word)
        if value is None:
            break
        following = words[i + 1].lower() if i + 1 < len(words) else ""
        if following == "otherwise":
            otherwise, i = value, i + 2
            continue
        times = span(following)
        if times is None:
            raise TariffSpecError(f"After {words[i]} give a span like 00:30-04:30 or 'otherwise'.")
        days, i = _days(words, i + 2)
        periods.append(Period(times[0], times[1], value, days))
    if otherwise is None:
        raise TariffSpecError("Say what the price is outside those hours, e.g. '28p otherwise'.")
    return TariffChoice("custom", "custom", tuple(periods), otherwise, export), i


def _bands(words: list[str], i: int) -> tuple[TariffChoice, int]:
    base = DEFAULT_FAMILY
    if i + 1 < len(words) and words[i].lower() == "over":
        base = words[i + 1].lower() if words[i + 1].lower() in NAMED else words[i + 1].upper()
        i += 2
    bands: list[Period] = []
    while i < len(words):
        label = ""
        j = i
        if span(words[j]) is None and j + 1 < len(words) and span(words[j + 1]) is not None:
            label, j = words[j].lower(), j + 1
        times = span(words[j]) if j < len(words) else None
        if times is None:
            break
        days, j = _days(words, j + 1)
        amount = price(words[j], signed=True) if j < len(words) else None
        if amount is None:
            raise TariffSpecError(f"Give the amount the {label or 'band'} adds, e.g. +15p.")
        bands.append(Period(times[0], times[1], amount, days, label))
        i = j + 1
    if not bands:
        raise TariffSpecError("Name at least one band, e.g. red 16:00-19:00 weekdays +15p.")
    return TariffChoice("bands", base, tuple(bands)), i


def read(words: list[str], i: int = 0) -> tuple[TariffChoice, int]:
    """Read one tariff from ``words[i:]``; returns it and the index of the first unread word."""
    if i >= len(words):
        raise TariffSpecError(
            "Which tariff? " + ", ".join(NAMED) + ", an Octopus product code, custom or bands."
        )
    word = words[i].lower()
    if word in NAMED:
        return TariffChoice("named", word), i + 1
    if word == "custom":
        return _custom(words, i + 1)
    if word == "bands":
        return _bands(words, i + 1)
    code = _TARIFF_CODE.match(words[i])
    if code:
        return TariffChoice("product", code["product"].upper()), i + 1
    if _CODE.match(words[i]) and any(ch.isdigit() for ch in words[i]):
        return TariffChoice("product", words[i].upper()), i + 1
    raise TariffSpecError(
        f"I don't know the tariff {words[i]!r}. Use one of "
        + ", ".join(NAMED)
        + ", an Octopus product code like GO-VAR-22-10-14, custom or bands."
    )


def parse(text: str) -> TariffChoice:
    """A whole setting (``go``, ``custom 7.5p 00:30-04:30 28p otherwise``) -> a choice."""
    words = text.replace(",", " ").split()
    choice, end = read(words)
    if end != len(words):
        raise TariffSpecError(f"I didn't understand {words[end]!r} in that tariff.")
    return choice


def stored(words: str | None) -> TariffChoice | None:
    """A stored default (channel, person, workspace) -> a choice; None when there is none or
    the words were stored by an older grammar (answers then fall back to the default family)."""
    try:
        return parse(words) if words else None
    except TariffSpecError:
        return None
