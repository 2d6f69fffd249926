"""What a parsed command asks for: one dataclass per command word, plus the answering context.

``flexcalc.commands.grammar.parse`` produces these from text; answer modules turn them into a
``flexcalc.reply.Reply``. Times of day are Europe/London wall-clock times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time

import pandas as pd

from flexcalc.regions import Region
from flexcalc.sources.base import DataProvider
from flexcalc.tariffs.spec import TariffChoice

OBJECTIVES = ("price", "carbon", "both", "export")  # export: bestslot only (highest export price)


@dataclass(frozen=True)
class Load:
    """An optional size of the job: a power (kW, for the whole window) or an energy (kWh)."""

    kw: float | None = None
    kwh: float | None = None

    def energy_kwh(self, duration: pd.Timedelta) -> float | None:
        """kWh used over ``duration`` (energy = power x time), or None if no size was given."""
        if self.kwh is not None:
            return self.kwh
        if self.kw is not None:
            return self.kw * duration / pd.Timedelta(hours=1)
        return None


@dataclass(frozen=True)
class BestSlotRequest:
    duration: pd.Timedelta  # positive multiple of 30 min, at most 24 h
    within: pd.Timedelta | None = None  # window must end within this long from now
    by: time | None = None  # must finish by this UK time (next occurrence)
    after: time | None = None  # may start from this UK time (next occurrence)
    period: str | None = None  # a time word: tonight, tomorrow morning ... (time_words.SPANS)
    usual: time | None = None  # the person's usual start (UK time): the pledge baseline
    between: tuple[time, time] | None = None  # may only run inside this daily UK span
    region: Region | None = None  # None: the context's default
    objective: str = "both"  # price | carbon | both
    split: bool = False  # any k half-hours, not necessarily adjacent
    load: Load = field(default_factory=Load)
    tariff: TariffChoice | None = None  # "on go": None: the context's default


@dataclass(frozen=True)
class PricesRequest:
    region: Region | None = None
    tariff: TariffChoice | None = None
    period: str | None = None  # a time word: today, tomorrow, tonight ... (time_words.SPANS)


@dataclass(frozen=True)
class CarbonRequest:
    region: Region | None = None
    period: str | None = None  # a time word: today, tomorrow, tonight ... (time_words.SPANS)


@dataclass(frozen=True)
class BacktestRequest:
    duration: pd.Timedelta
    at: time = time(9, 0)  # the fixed baseline start (UK time)
    within: pd.Timedelta = field(default_factory=lambda: pd.Timedelta(hours=24))  # flexibility
    start: date | None = None  # first day (inclusive); None: 30 days before the data ends
    end: date | None = None  # last day (inclusive)
    region: Region | None = None
    load: Load = field(default_factory=Load)
    tariff: TariffChoice | None = None


@dataclass(frozen=True)
class BatteryRequest:
    capacity_kwh: float
    power_kw: float
    efficiency: float = 0.9  # round trip, 0 < e <= 1
    model: str = "site"  # site: discharging offsets the site's import | grid: sells at export
    objective: str = "price"
    region: Region | None = None
    start: date | None = None  # with start/end: optimise each day of history
    end: date | None = None
    tariff: TariffChoice | None = None


@dataclass(frozen=True)
class FootprintEnergyRequest:
    kwh: float
    region: Region | None = None
    tariff: TariffChoice | None = None  # prices the peak-vs-best cost


@dataclass(frozen=True)
class FootprintStorageRequest:
    terabytes: float
    media: str = "ssd"  # ssd | hdd
    replication: int = 1
    pue: float = 1.135  # Cloud Carbon Footprint's default for an unknown provider
    region: Region | None = None


@dataclass(frozen=True)
class RegionRequest:
    """Set (or, with region None, show) the default region of a channel / workspace."""

    region: Region | None = None


@dataclass(frozen=True)
class AlertsRequest:
    action: str  # subscribe | unsubscribe | list | pause | resume
    at: time | None = None  # daily post time (UK); None: 08:00
    region: Region | None = None
    duration: pd.Timedelta | None = None  # the load length to plan for
    tomorrow: bool = False  # also post tomorrow's times when prices publish
    threshold: tuple[str, str, float] | None = None  # ("price"|"carbon", "below"|"above", value)
    teams_url: str | None = None  # deliver to a Teams Workflows webhook instead


@dataclass(frozen=True)
class TariffRequest:
    """``tariff WORDS`` sets the default tariff of a channel or person (None: show it)."""

    choice: TariffChoice | None = None
    personal: bool = False  # "tariff me go": only for the person asking


@dataclass(frozen=True)
class CompareTariffsRequest:
    """``compare tariffs``: a flexible daily load (or a battery) priced on every named tariff."""

    duration: pd.Timedelta = field(default_factory=lambda: pd.Timedelta(hours=3))
    at: time = time(18, 0)  # the fixed, unshifted start (UK time)
    start: date | None = None  # first day; None: the 14 days before today
    end: date | None = None
    region: Region | None = None
    load: Load = field(default_factory=Load)  # None given: 1 kW for the duration
    battery_kwh: float | None = None  # with a battery: also compare its daily arbitrage
    battery_kw: float | None = None


@dataclass(frozen=True)
class HelpRequest:
    topic: str | None = None


IMPACT_SCOPES = ("me", "channel", "team")
IMPACT_PERIODS = ("week", "month", "all")


@dataclass(frozen=True)
class ImpactRequest:
    """Kept pledges and what they saved, for a person, a channel or the whole workspace."""

    scope: str = "team"  # me | channel | team
    period: str = "month"  # week (last 7 days) | month (last 30 days) | all


@dataclass(frozen=True)
class ImpactVisibilityRequest:
    """``impact hide me`` / ``impact show me``: opt out of (or back into) the leaderboard."""

    hidden: bool


@dataclass(frozen=True)
class DigestRequest:
    """The weekly leadership digest: subscribe a channel, unsubscribe, or preview it."""

    action: str  # subscribe | unsubscribe | preview
    channel: str | None = None  # a chat channel id ("C123") or "#name"; None: this channel
    weekday: int = 0  # 0 = Monday
    at: time = time(9, 0)  # UK time


@dataclass(frozen=True)
class AccuracyRequest:
    """``accuracy [week|month]``: how the workspace's past advice did against hindsight."""

    period: str = "week"  # week (last 7 days) | month (last 30 days): the headline figures


@dataclass(frozen=True)
class ForgetRequest:
    """``forget me``: delete the asking user's pledges and settings in this workspace."""


Request = (
    BestSlotRequest
    | PricesRequest
    | CarbonRequest
    | BacktestRequest
    | BatteryRequest
    | FootprintEnergyRequest
    | FootprintStorageRequest
    | RegionRequest
    | AlertsRequest
    | HelpRequest
    | TariffRequest
    | CompareTariffsRequest
    | ImpactRequest
    | ImpactVisibilityRequest
    | DigestRequest
    | ForgetRequest
    | AccuracyRequest
)


@dataclass
class Context:
    """What answering needs besides the request."""

    provider: DataProvider
    region: Region  # used when the request names none
    now: pd.Timestamp | None = None  # UTC; None: the real current time
    charts: bool = True  # render chart PNGs
    progress: Callable[[float, str], None] | None = None  # (fraction done, label) for long runs
    tariff: TariffChoice | None = None  # the channel's / person's default tariff (None: Agile)

    def current_time(self) -> pd.Timestamp:
        return self.now if self.now is not None else pd.Timestamp.now(tz="UTC")

    def region_for(self, request_region: Region | None) -> Region:
        return request_region or self.region
