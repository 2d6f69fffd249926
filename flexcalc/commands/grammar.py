"""The one command grammar (DESIGN.md): text -> a request dataclass.

The same words work in every door (team chat, the shell and the CLI)::

    bestslot 4h by 07:00 in NG1 for both at 7 kW
    prices in London
    backtest 4h daily at 09:00 within 24h from 2023-01-01 to 2023-12-31 in C at 50 kW

Anything that cannot be read raises ``UsageError`` with a short reason and 2-3 examples.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, time

import pandas as pd

from flexcalc import regions
from flexcalc.commands import time_words
from flexcalc.commands.requests import (
    AccuracyRequest,
    AlertsRequest,
    BacktestRequest,
    BatteryRequest,
    BestSlotRequest,
    CarbonRequest,
    CompareTariffsRequest,
    DigestRequest,
    FootprintEnergyRequest,
    FootprintStorageRequest,
    ForgetRequest,
    HelpRequest,
    ImpactRequest,
    ImpactVisibilityRequest,
    Load,
    PricesRequest,
    RegionRequest,
    Request,
    TariffRequest,
)
from flexcalc.reply import Reply, error_reply
from flexcalc.tariffs import spec as tariff_spec

PostcodeLookup = Callable[[str], str | None]

MAX_DURATION = pd.Timedelta(hours=24)
SLOT = pd.Timedelta(minutes=30)

EXAMPLES: dict[str, list[str]] = {
    "bestslot": [
        "bestslot 4h",
        "bestslot 2h30m by 07:00 in NG1",
        "bestslot 3h for both at 7 kW",
        "bestslot 2h tonight",
        "bestslot 3h after 10pm before 7am",
        "bestslot 2h usually 18:00",
    ],
    "prices": ["prices", "prices tomorrow", "prices tonight in NG1"],
    "carbon": ["carbon", "carbon tomorrow", "carbon tonight in B"],
    "backtest": [
        "backtest 4h daily at 09:00 within 24h",
        "backtest 2h daily from 2023-01-01 to 2023-12-31 in C at 50 kW",
    ],
    "battery": [
        "battery 13.5 kWh 5 kW",
        "battery 10 kWh 3 kW efficiency 85% for carbon",
        "battery 13.5 kWh 5 kW site",
    ],
    "footprint": ["footprint 10 kWh in B", "footprint storage 50 TB ssd replication 3 pue 1.4"],
    "alerts": ["alerts subscribe 08:00 in NG1 4h", "alerts list", "alerts unsubscribe"],
    "region": ["region NG1", "region London", "region C"],
    "impact": ["impact", "impact me week", "impact channel all", "impact hide me"],
    "digest": ["digest subscribe #leadership monday 09:00", "digest", "digest unsubscribe"],
    "forget": ["forget me"],
    "accuracy": ["accuracy", "accuracy month"],
    "tariff": tariff_spec.EXAMPLES,
    "compare": ["compare tariffs", "compare tariffs 4h daily at 18:00 battery 10 kWh 5 kW"],
    "help": ["help", "help bestslot"],
}

COMMANDS = tuple(EXAMPLES)

# Words that end a multi-word region ("in east midlands for carbon").
_STOP_WORDS = {
    "for",
    "split",
    "at",
    "within",
    "by",
    "between",
    "daily",
    "from",
    "to",
    "efficiency",
    "replication",
    "pue",
    "tomorrow",
    "tonight",
    "overnight",
    "today",
    "this",
    "before",
    "after",
    "usually",
    "usual",
    "when",
    "teams",
    "ssd",
    "hdd",
    "on",
}

_DURATION_RE = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours))?\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:m|min|mins|minute|minutes))?$"
)
_TIME_RE = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$")
_UNITS = {"kw", "kwh", "mwh", "tb", "gb", "pb", "tib", "gib", "%"}
_QUANTITY_RE = re.compile(r"^(?P<n>-?\d+(?:\.\d+)?)\s*(?P<unit>[a-z%]+)$")

# Bounds on every number a person can type (beyond them: a friendly message, not a crash).
MAX_POWER_KW = 100_000.0  # 100 MW
MAX_ENERGY_KWH = 10_000_000.0  # 10 GWh
MAX_STORAGE_TB = 1_000_000.0  # 1 EB
MAX_REPLICATION = 100
MIN_DATE, MAX_DATE = date(2010, 1, 1), date(2099, 12, 31)
MAX_THRESHOLD = 100_000.0


class UsageError(ValueError):
    """Input that cannot be read: a short reason plus examples of what works."""

    def __init__(self, message: str, command: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.command = command

    @property
    def examples(self) -> list[str]:
        return EXAMPLES.get(self.command or "", [*EXAMPLES["bestslot"][:2], "help"])[:3]

    def reply(self) -> Reply:
        return error_reply(self.message, self.examples)


# --------------------------------------------------------------------------- tokens


def tokenize(text: str) -> list[str]:
    """Split into words, gluing numbers to their units ("7 kW" -> "7kW", "2h 30m" -> "2h30m")."""
    cleaned = text.strip().lstrip("/").replace(",", " ")
    cleaned = re.sub(
        r"(?<=\d)\s+(?=(kwh|kw|tb|gb|pb|h|hr|hrs|hours?|m|mins?|minutes?|%|am|pm)\b)",
        "",
        cleaned,
        flags=re.IGNORECASE,
    )
    words = cleaned.split()
    merged: list[str] = []
    for word in words:
        if (
            merged
            and re.fullmatch(r"\d+(\.\d+)?h", merged[-1], re.I)
            and re.fullmatch(r"\d+(m|min|mins)", word, re.I)
        ):
            merged[-1] += word
        else:
            merged.append(word)
    return merged


def parse_duration(word: str, command: str = "bestslot") -> pd.Timedelta:
    """``4h``, ``90m``, ``2h30m``, ``1.5h`` -> a Timedelta rounded up to whole half-hours."""
    match = _DURATION_RE.match(word.strip().lower())
    if not word.strip() or not match or not (match.group("h") or match.group("m")):
        raise UsageError(
            f"I couldn't read {word!r} as a duration. Use hours and minutes like 4h, 90m or 2h30m.",
            command,
        )
    minutes = float(match.group("h") or 0) * 60 + float(match.group("m") or 0)
    if minutes <= 0:
        raise UsageError("The duration must be at least 30 minutes.", command)
    if minutes > MAX_DURATION / pd.Timedelta(minutes=1) + 29:
        raise UsageError("The duration can be at most 24 hours.", command)
    slots = math.ceil(minutes / 30 - 1e-9)
    duration = slots * SLOT
    if duration > MAX_DURATION:
        raise UsageError("The duration can be at most 24 hours.", command)
    return duration


def is_duration(word: str) -> bool:
    match = _DURATION_RE.match(word.lower())
    return bool(match and (match.group("h") or match.group("m")))


def parse_time(word: str, command: str = "bestslot") -> time:
    """``07:00``, ``7:30``, ``7am``, ``7pm`` -> a wall-clock time (UK)."""
    match = _TIME_RE.match(word.strip().lower())
    if match:
        hour, minute = int(match.group("h")), int(match.group("m") or 0)
        if match.group("ampm") == "pm" and hour < 12:
            hour += 12
        elif match.group("ampm") == "am" and hour == 12:
            hour = 0
        has_form = match.group("m") is not None or match.group("ampm") is not None
        if has_form and hour < 24 and minute < 60:
            return time(hour, minute)
    raise UsageError(f"{word!r} is not a time of day. Use 24-hour HH:MM, e.g. 07:00.", command)


def parse_hours(word: str, command: str) -> pd.Timedelta:
    """``12h`` or ``12`` -> 12 hours (used after ``within``)."""
    text = word.lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        text += "h"
    if not is_duration(text):
        raise UsageError(f"{word!r} is not a number of hours, e.g. within 12h.", command)
    minutes = float(_DURATION_RE.match(text).group("h") or 0) * 60 + float(
        _DURATION_RE.match(text).group("m") or 0
    )
    if not 0 < minutes <= 7 * 24 * 60:
        raise UsageError("'within' must be between 30 minutes and 7 days.", command)
    return pd.Timedelta(minutes=minutes)


def parse_quantity(word: str, units: dict[str, float], what: str, command: str) -> float:
    """A number with one of ``units`` (scale factors), e.g. ``50TB`` with {"tb": 1}."""
    match = _QUANTITY_RE.match(word.lower())
    if not match or match.group("unit") not in units:
        names = "/".join(u for u in units if u != "%")
        raise UsageError(f"I couldn't read {word!r} as {what} (like 10 {names}).", command)
    return float(match.group("n")) * units[match.group("unit")]


def bounded(value: float, low: float, high: float, message: str, command: str) -> float:
    """``value`` if ``low <= value <= high``, else a ``UsageError`` saying ``message``."""
    if not low <= value <= high:
        raise UsageError(message, command)
    return value


def on_half_hour(at: time, command: str) -> time:
    """``at`` if it is on a half-hour (prices and carbon change every 30 minutes), else a
    ``UsageError`` naming the two nearest half-hours."""
    if at.minute in (0, 30):
        return at
    before = time(at.hour, 0 if at.minute < 30 else 30)
    after_minutes = (at.hour * 60 + (30 if at.minute < 30 else 60)) % (24 * 60)
    after = time(after_minutes // 60, after_minutes % 60)
    raise UsageError(
        f"{at.strftime('%H:%M')} is not on a half-hour (prices change every 30 minutes): use "
        f"{before.strftime('%H:%M')} or {after.strftime('%H:%M')}.",
        command,
    )


def parse_date(word: str, command: str) -> date:
    try:
        day = date.fromisoformat(word)
    except ValueError:
        raise UsageError(
            f"{word!r} is not a date; use YYYY-MM-DD, e.g. 2023-06-01.", command
        ) from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise UsageError(
            f"{word} is out of range: dates run from {MIN_DATE} to {MAX_DATE}.", command
        )
    return day


def _quantity_unit(word: str) -> str | None:
    match = _QUANTITY_RE.match(word.lower())
    return match.group("unit") if match else None


# --------------------------------------------------------------------------- the parser


class _Words:
    """A cursor over the tokens of one command."""

    def __init__(self, words: list[str], command: str, lookup: PostcodeLookup | None) -> None:
        self.words = words
        self.i = 0
        self.command = command
        self.lookup = lookup

    def peek(self, ahead: int = 0) -> str | None:
        j = self.i + ahead
        return self.words[j] if j < len(self.words) else None

    def peek_lower(self, ahead: int = 0) -> str:
        word = self.peek(ahead)
        return word.lower() if word else ""

    def take(self, what: str) -> str:
        word = self.peek()
        if word is None:
            raise UsageError(f"Something is missing at the end: I expected {what}.", self.command)
        self.i += 1
        return word

    def done(self) -> bool:
        return self.i >= len(self.words)

    def region(self) -> regions.Region:
        """Words up to the next keyword, read as a region."""
        parts: list[str] = []
        while not self.done():
            word = self.peek_lower()
            if parts and (
                word in _STOP_WORDS or is_duration(word) or _quantity_unit(word) in _UNITS
            ):
                break
            parts.append(self.take("a region"))
        if not parts:
            raise UsageError("Which region? Give a letter A-P, a name or a postcode.", self.command)
        try:
            return regions.resolve(" ".join(parts), self.lookup)
        except regions.UnknownRegion as err:
            raise UsageError(str(err), self.command) from None

    def unexpected(self) -> UsageError:
        return UsageError(f"I didn't understand {self.peek()!r} here.", self.command)


def parse(text: str, lookup: PostcodeLookup | None = None) -> Request:
    """Read one command line; ``lookup`` resolves postcode districts missing from the table."""
    words = tokenize(text)
    if not words:
        return HelpRequest()
    head = words[0].lower()
    if head == "flex" and len(words) > 1:  # "/flex bestslot 4h" typed into a shell
        words, head = words[1:], words[1].lower()
    if head in ("help", "?"):
        return HelpRequest(words[1].lower().lstrip("/") if len(words) > 1 else None)
    parsers = {
        "bestslot": _bestslot,
        "prices": _prices,
        "carbon": _carbon,
        "backtest": _backtest,
        "battery": _battery,
        "footprint": _footprint,
        "alerts": _alerts,
        "region": _region,
        "impact": _impact,
        "digest": _digest,
        "forget": _forget,
        "accuracy": _accuracy,
        "tariff": _tariff,
        "compare": _compare,
    }
    if head not in parsers:
        if is_duration(head):  # "/flex 4h" reads as bestslot 4h
            words, head = ["bestslot", *words], "bestslot"
        else:
            raise UsageError(f"I don't know the command {words[0]!r}.", None)
    cursor = _Words(words[1:], head, lookup)
    return parsers[head](cursor)


_OBJECTIVE_WORDS = {
    "price": "price", "cost": "price", "cheapest": "price", "money": "price",
    "carbon": "carbon", "co2": "carbon", "green": "carbon", "greenest": "carbon",
    "emissions": "carbon", "both": "both", "export": "export",
}  # fmt: skip


def _size(c: _Words, token: str, options: dict) -> bool:
    """Read ``token`` as a load (``7kW`` into ``kw``, ``20kWh`` into ``kwh``); False if neither."""
    unit = _quantity_unit(token)
    if unit not in ("kw", "kwh"):
        return False
    what = "a power" if unit == "kw" else "an energy"
    value = parse_quantity(token, {unit: 1}, what, c.command)
    if value <= 0:
        raise UsageError("Power and energy must be positive, e.g. at 7 kW or 20 kWh.", c.command)
    high = MAX_POWER_KW if unit == "kw" else MAX_ENERGY_KWH
    bounded(value, 0, high, f"That load is too big: at most {high:,.0f} {unit}.", c.command)
    options[unit] = value
    return True


def _shared_option(c: _Words, options: dict) -> bool:
    """Options several commands share; True if the next word was one of them (and is consumed).

    ``in REGION``, ``for price|carbon|both``, ``within HOURS``, ``from DATE``, ``to DATE`` and a
    load size (``7kW`` / ``20kWh``) go into ``options`` under region, objective, within, start,
    end, kw and kwh.
    """
    word = c.peek_lower()
    if word == "in":
        c.take("in")
        options["region"] = c.region()
    elif word == "for":
        c.take("for")
        objective = _OBJECTIVE_WORDS.get(c.take("price, carbon or both").lower())
        if objective is None:
            raise UsageError("Choose for price, for carbon or for both.", c.command)
        options["objective"] = objective
    elif word == "within":
        c.take("within")
        options["within"] = parse_hours(c.take("a number of hours"), c.command)
    elif word in ("from", "to"):
        c.take(word)
        options["start" if word == "from" else "end"] = parse_date(c.take("a date"), c.command)
    elif _quantity_unit(word) in ("kw", "kwh"):
        _size(c, c.take("a power"), options)
    elif word == "on":
        _tariff_option(c, options)
    else:
        return False
    return True


def _load_from(options: dict) -> Load:
    return Load(kw=options.pop("kw", None), kwh=options.pop("kwh", None))


def _bestslot(c: _Words) -> BestSlotRequest:
    if c.done():
        raise UsageError("How long is the job? e.g. bestslot 4h.", "bestslot")
    duration = parse_duration(c.take("a duration"))
    options: dict = {}
    while not c.done():
        word = c.peek_lower()
        if _shared_option(c, options):
            continue
        if _time_word(c, options):
            continue
        if word == "between":
            c.take("between")
            first = _slot_time(c.take("a time like 22:00"))
            if c.peek_lower() in ("and", "-", "to"):
                c.take("and")
            options["between"] = (first, _slot_time(c.take("a second time")))
        elif word == "split":
            c.take("split")
            options["split"] = True
        elif word == "at":
            c.take("at")
            token = c.take("a power like 7 kW")
            if not _size(c, token, options):
                raise UsageError(f"{token!r} is not a power or energy (7 kW, 20 kWh).", "bestslot")
        else:
            raise c.unexpected()
    if options.keys() & {"start", "end"}:
        raise UsageError(
            "bestslot looks ahead: 'from' and 'to' dates are for backtest.", "bestslot"
        )
    if sum(key in options for key in ("within", "by", "between", "period")) > 1:
        raise UsageError(
            "Use only one of within, by (before), between or a time word like tonight.",
            "bestslot",
        )
    if "after" in options and options.keys() & {"between", "period"}:
        raise UsageError("'after' goes with by/before or within, not between.", "bestslot")
    return BestSlotRequest(duration=duration, load=_load_from(options), **options)


def _slot_time(word: str, command: str = "bestslot") -> time:
    return on_half_hour(parse_time(word, command), command)


def _time_word(c: _Words, options: dict) -> bool:
    """bestslot's time words (consumed; True if one was read): ``by``/``before HH:MM``,
    ``after HH:MM`` and span names like tonight, overnight, tomorrow morning."""
    word = c.peek_lower()
    if word in ("by", "before"):
        c.take(word)
        options["by"] = _slot_time(c.take("a time like 07:00"))
    elif word == "after":
        c.take(word)
        options["after"] = _slot_time(c.take("a time like 22:00"))
    elif word in ("usually", "usual"):
        c.take(word)
        if c.peek_lower() == "at":
            c.take("at")
        options["usual"] = _slot_time(c.take("your usual start, like 18:00"))
    elif not _span_word(c, options):
        return False
    return True


def _span_word(c: _Words, options: dict) -> bool:
    """A span name (tonight, tomorrow, this evening ...) into ``options["period"]``; True if the
    next word starts one (it is consumed)."""
    if c.peek_lower() not in time_words.FIRST_WORDS:
        return False
    found = time_words.read_span_words(c.words[c.i : c.i + 2])
    if found is None:
        raise UsageError("Time words I know: " + ", ".join(time_words.SPANS) + ".", c.command)
    name, used = found
    c.i += used
    if "period" in options:
        raise UsageError("Give one time word (tonight, tomorrow ...), not two.", c.command)
    options["period"] = name
    return True


# --------------------------------------------------------------------------- tariff words


def _daily_at(c: _Words, options: dict) -> bool:
    """``daily`` (read and ignored) or ``at HH:MM`` / ``at N kW`` of a daily job; True if read."""
    word = c.peek_lower()
    if word == "daily":
        c.take("daily")
    elif word == "at":
        c.take("at")
        token = c.take("a time or a power")
        if not _size(c, token, options):
            options["at"] = _slot_time(token, c.command)  # prices change on the half-hour
    else:
        return False
    return True


def _tariff_option(c: _Words, options: dict) -> None:
    """``on go`` / ``on GO-VAR-22-10-14`` / ``on custom 7.5p 00:30-04:30 28p otherwise``."""
    c.take("on")
    try:
        options["tariff"], c.i = tariff_spec.read(c.words, c.i)
    except tariff_spec.TariffSpecError as err:
        raise UsageError(str(err), "tariff") from None


def _no_export(options: dict, command: str) -> None:
    if options.get("objective") == "export":
        raise UsageError(
            "'for export' finds the best time to export: bestslot 2h for export on outgoing.",
            command,
        )


def _tariff(c: _Words) -> TariffRequest:
    """``tariff`` (show), ``tariff go``, ``tariff me go`` (personal), ``tariff custom …``."""
    personal = c.peek_lower() == "me"
    if personal:
        c.take("me")
    if c.done():
        return TariffRequest(None, personal)
    try:
        choice, c.i = tariff_spec.read(c.words, c.i)
    except tariff_spec.TariffSpecError as err:
        raise UsageError(str(err), "tariff") from None
    if not c.done():
        raise c.unexpected()
    return TariffRequest(choice, personal)


def _compare(c: _Words) -> CompareTariffsRequest:
    """``compare tariffs [DURATION] [daily] [at HH:MM] [from D] [to D] [in R] [at kW]
    [battery KWH KW]``."""
    if c.peek_lower() not in ("tariffs", "tariff"):
        raise UsageError("Did you mean compare tariffs?", "compare")
    c.take("tariffs")
    options: dict = {}
    while not c.done():
        word = c.peek_lower()
        if is_duration(word):
            options["duration"] = parse_duration(c.take("a duration"), "compare")
        elif _daily_at(c, options):
            continue
        elif word == "battery":
            c.take("battery")
            for _ in range(2):
                token = c.take("a battery size like 10 kWh 5 kW")
                unit = _quantity_unit(token)
                if unit not in ("kwh", "kw"):
                    raise UsageError(f"{token!r} is not a battery size (10 kWh 5 kW).", "compare")
                value = parse_quantity(token, {unit: 1}, "a size", "compare")
                if value <= 0:
                    raise UsageError("Battery sizes must be positive.", "compare")
                options["battery_" + unit] = value
        elif word in ("on", "for", "within") or not _shared_option(c, options):
            raise c.unexpected()
    if options.get("start") and options.get("end") and options["end"] < options["start"]:
        raise UsageError("The end date is before the start date.", "compare")
    return CompareTariffsRequest(load=_load_from(options), **options)


def _region_only(c: _Words) -> regions.Region | None:
    if c.done():
        return None
    if c.peek_lower() == "in":
        c.take("in")
    region = c.region()
    if not c.done():
        raise c.unexpected()
    return region


def _span_and_options(c: _Words, option_words: tuple[str, ...]) -> dict:
    """A time word and the shared options in ``option_words`` (in any order), then a bare
    region; into options under period, region (and tariff)."""
    options: dict = {}
    while not c.done():
        if c.peek_lower() in option_words:
            _shared_option(c, options)
        elif not _span_word(c, options):
            break
    options["region"] = options.get("region") or _region_only(c)
    return options


def _prices(c: _Words) -> PricesRequest:
    return PricesRequest(**_span_and_options(c, ("in", "on")))


def _carbon(c: _Words) -> CarbonRequest:
    return CarbonRequest(**_span_and_options(c, ("in",)))


def _region(c: _Words) -> RegionRequest:
    return RegionRequest(region=_region_only(c))


def _backtest(c: _Words) -> BacktestRequest:
    if c.done():
        raise UsageError("How long is the job? e.g. backtest 4h daily at 09:00.", "backtest")
    duration = parse_duration(c.take("a duration"), "backtest")
    options: dict = {}
    while not c.done():
        if _shared_option(c, options):
            continue
        if not _daily_at(c, options):
            raise c.unexpected()
    if "objective" in options:
        raise UsageError("backtest always reports both the cheapest and the greenest.", "backtest")
    if options.get("start") and options.get("end") and options["end"] < options["start"]:
        raise UsageError("The 'to' date is before the 'from' date.", "backtest")
    if options.get("within") is not None and options["within"] < duration:
        raise UsageError("'within' must be at least as long as the job.", "backtest")
    return BacktestRequest(duration=duration, load=_load_from(options), **options)


def _battery(c: _Words) -> BatteryRequest:
    options: dict = {}
    while not c.done():
        word = c.peek_lower()
        if word == "efficiency":
            c.take("efficiency")
            token = c.take("an efficiency like 90%").lower()
            value = float(token.rstrip("%")) if re.fullmatch(r"\d+(\.\d+)?%?", token) else None
            if value is None:
                raise UsageError(f"{token!r} is not an efficiency; use e.g. 90%.", "battery")
            options["efficiency"] = value / 100 if token.endswith("%") or value > 1 else value
        elif word in ("site", "grid"):
            options["model"] = c.take("site or grid").lower()
        elif _quantity_unit(word) in ("kw", "kwh"):  # capacity and power, negatives included
            unit = _quantity_unit(word)
            options[unit] = parse_quantity(c.take("a size"), {unit: 1}, "a size", "battery")
        elif not _shared_option(c, options):
            raise c.unexpected()
    capacity, power = options.pop("kwh", None), options.pop("kw", None)
    if capacity is None or power is None:
        raise UsageError(
            "Give the battery's capacity and power, e.g. battery 13.5 kWh 5 kW.", "battery"
        )
    if capacity <= 0 or power <= 0:
        raise UsageError("Capacity and power must be positive.", "battery")
    if capacity > MAX_ENERGY_KWH or power > MAX_POWER_KW:
        raise UsageError(
            f"That battery is too big: at most {MAX_ENERGY_KWH:,.0f} kWh and "
            f"{MAX_POWER_KW:,.0f} kW.",
            "battery",
        )
    if "within" in options:
        raise UsageError("A battery plans the whole known horizon (or from/to dates).", "battery")
    if not 0 < options.get("efficiency", 0.9) <= 1:
        raise UsageError("Round-trip efficiency must be between 1% and 100%.", "battery")
    _no_export(options, "battery")
    return BatteryRequest(capacity_kwh=capacity, power_kw=power, **options)


_SIZE_UNITS = {"tb": 1.0, "gb": 1e-3, "pb": 1e3, "tib": 1.099511627776, "gib": 1.073741824e-3}


def _footprint(c: _Words) -> FootprintEnergyRequest | FootprintStorageRequest:
    if c.peek_lower() == "storage":
        c.take("storage")
        size = parse_quantity(
            c.take("a size like 50 TB"), _SIZE_UNITS, "a storage size", "footprint"
        )
        fields: dict = {}
        while not c.done():
            word = c.peek_lower()
            if word in ("ssd", "hdd"):
                fields["media"] = c.take("media").lower()
            elif word == "replication":
                c.take("replication")
                token = c.take("a replication factor").lower().lstrip("x")
                if not token.isdigit() or not 1 <= int(token) <= MAX_REPLICATION:
                    raise UsageError(
                        f"Replication is a whole number of copies from 1 to {MAX_REPLICATION},"
                        " e.g. 3.",
                        "footprint",
                    )
                fields["replication"] = int(token)
            elif word == "pue":
                c.take("pue")
                token = c.take("a PUE like 1.4")
                try:
                    fields["pue"] = float(token)
                except ValueError:
                    raise UsageError(f"{token!r} is not a PUE, e.g. 1.4.", "footprint") from None
                if not 1 <= fields["pue"] <= 3:
                    raise UsageError("PUE is between 1.0 and 3.0.", "footprint")
            elif word == "in":
                c.take("in")
                fields["region"] = c.region()
            else:
                raise c.unexpected()
        if size <= 0:
            raise UsageError("The storage size must be positive.", "footprint")
        if size > MAX_STORAGE_TB:
            raise UsageError(f"At most {MAX_STORAGE_TB:,.0f} TB, please.", "footprint")
        return FootprintStorageRequest(terabytes=size, **fields)
    if c.done():
        raise UsageError("Footprint of what? e.g. footprint 10 kWh.", "footprint")
    kwh = parse_quantity(c.take("an energy"), {"kwh": 1, "mwh": 1000}, "an energy", "footprint")
    if kwh <= 0:
        raise UsageError("The energy must be positive.", "footprint")
    if kwh > MAX_ENERGY_KWH:
        raise UsageError(f"At most {MAX_ENERGY_KWH:,.0f} kWh, please.", "footprint")
    options: dict = {}
    while not c.done() and c.peek_lower() in ("in", "on"):
        _shared_option(c, options)
    if not c.done():
        raise c.unexpected()
    return FootprintEnergyRequest(kwh=kwh, **options)


def _alerts(c: _Words) -> AlertsRequest:
    action = c.peek_lower() or "list"
    if not c.done():
        c.take("an action")
    if action in ("unsubscribe", "stop", "list", "pause", "resume"):
        if not c.done():
            raise c.unexpected()
        return AlertsRequest(action=action)
    if action == "when":
        kind = c.take("price or carbon").lower()
        direction = c.take("below or above").lower()
        if kind not in ("price", "carbon") or direction not in ("below", "above"):
            raise UsageError(
                "Try: alerts when price below 0, or alerts when carbon below 60.", "alerts"
            )
        token = c.take("a number")
        try:
            value = float(re.sub(r"[a-z/]+$", "", token.lower()))
        except ValueError:
            raise UsageError(f"{token!r} is not a number.", "alerts") from None
        bounded(value, -MAX_THRESHOLD, MAX_THRESHOLD, "That threshold is out of range.", "alerts")
        region = None
        if c.peek_lower() == "in":
            c.take("in")
            region = c.region()
        if not c.done():
            raise c.unexpected()
        return AlertsRequest(action="subscribe", region=region, threshold=(kind, direction, value))
    if action != "subscribe":
        raise UsageError(f"I don't know 'alerts {action}'.", "alerts")
    fields: dict = {}
    while not c.done():
        word = c.peek_lower()
        if word == "in":
            c.take("in")
            fields["region"] = c.region()
        elif word == "at":
            c.take("at")
            fields["at"] = parse_time(c.take("a time"), "alerts")
        elif word == "tomorrow":
            c.take("tomorrow")
            fields["tomorrow"] = True
        elif word == "teams":
            c.take("teams")
            url = c.take("the Teams workflow URL")
            if not url.startswith("https://"):
                raise UsageError("The Teams workflow URL must start with https://.", "alerts")
            fields["teams_url"] = url
        elif _TIME_RE.match(word) and (":" in word or word.endswith(("am", "pm"))):
            fields["at"] = parse_time(c.take("a time"), "alerts")
        elif is_duration(word):
            fields["duration"] = parse_duration(c.take("a duration"), "alerts")
        else:
            raise c.unexpected()
    return AlertsRequest(action="subscribe", **fields)


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_WORDS = {
    word: i
    for i, day in enumerate(_WEEKDAYS)
    for word in (day, day + "s", day[:3], "tues" if i == 1 else "thurs" if i == 3 else day[:3])
}
_CHANNEL_RE = re.compile(
    r"^<#(?P<id>[CG][A-Z0-9]+)(?:\|[^>]*)?>$|^#(?P<name>[a-z0-9_-]{1,80})$", re.I
)
_SCOPE_WORDS = {
    "me": "me",
    "mine": "me",
    "my": "me",
    "channel": "channel",
    "here": "channel",
    "team": "team",
    "workspace": "team",
    "company": "team",
    "everyone": "team",
}
_PERIOD_WORDS = {"week": "week", "month": "month", "all": "all", "ever": "all", "alltime": "all"}


def _impact(c: _Words) -> ImpactRequest | ImpactVisibilityRequest:
    if c.peek_lower() in ("hide", "show"):
        word = c.take("hide or show").lower()
        if c.peek_lower() == "me":
            c.take("me")
        if not c.done():
            raise c.unexpected()
        return ImpactVisibilityRequest(hidden=word == "hide")
    fields: dict = {}
    while not c.done():
        word = c.peek_lower()
        if word in _SCOPE_WORDS and "scope" not in fields:
            fields["scope"] = _SCOPE_WORDS[c.take("a scope").lower()]
        elif word in _PERIOD_WORDS and "period" not in fields:
            fields["period"] = _PERIOD_WORDS[c.take("a period").lower()]
        elif word in ("this", "last", "time", "for", "of", "all-time"):
            c.take("a word")
            if word == "all-time":
                fields["period"] = "all"
        else:
            raise UsageError(
                f"I didn't understand {c.peek()!r}: use impact [me|channel|team] [week|month|all].",
                "impact",
            )
    return ImpactRequest(**fields)


def _digest(c: _Words) -> DigestRequest:
    action = c.take("an action").lower() if not c.done() else "preview"
    if action in ("unsubscribe", "stop", "preview", "show"):
        if not c.done():
            raise c.unexpected()
        names = {"show": "preview", "stop": "unsubscribe"}
        return DigestRequest(action=names.get(action, action))
    if action != "subscribe":
        raise UsageError(f"I don't know 'digest {action}'.", "digest")
    fields: dict = {}
    while not c.done():
        word = c.peek_lower()
        channel = _CHANNEL_RE.match(c.peek() or "")
        if channel:
            c.take("a channel")
            fields["channel"] = channel.group("id") or "#" + channel.group("name").lower()
        elif word in _WEEKDAY_WORDS:
            fields["weekday"] = _WEEKDAY_WORDS[c.take("a weekday").lower()]
        elif word == "at":
            c.take("at")
            fields["at"] = parse_time(c.take("a time like 09:00"), "digest")
        elif _TIME_RE.match(word) and (":" in word or word.endswith(("am", "pm"))):
            fields["at"] = parse_time(c.take("a time"), "digest")
        elif word.startswith("#") or word.startswith("<#"):
            raise UsageError(f"{c.peek()!r} is not a channel name I can use.", "digest")
        else:
            raise c.unexpected()
    return DigestRequest(action="subscribe", **fields)


def _forget(c: _Words) -> ForgetRequest:
    if c.peek_lower() != "me":
        raise UsageError("To delete your pledges and settings here, type: forget me.", "forget")
    c.take("me")
    if not c.done():
        raise c.unexpected()
    return ForgetRequest()


def _accuracy(c: _Words) -> AccuracyRequest:
    period = "week"
    while not c.done():
        word = c.peek_lower()
        if word in ("week", "7d", "7", "month", "30d", "30"):
            c.take("a period")
            period = "week" if word in ("week", "7d", "7") else "month"
        elif word in ("last", "days", "this", "the"):
            c.take("a word")
        else:
            raise UsageError(
                f"I didn't understand {c.peek()!r}: use accuracy [week|month].", "accuracy"
            )
    return AccuracyRequest(period=period)
