"""Choosing a data source: live (with offline fallback), the bundled sample, or user files.

- ``make_provider()``: ``FLEX_OFFLINE=1`` -> ``SampleProvider``; otherwise live data where each
  source (prices, carbon) falls back to the sample only when its API cannot be reached at all
  (every such answer says which part is sample). An API that is slow or answers with errors is
  *not* replaced by sample data: the user gets its cached copy with its age, or the error.
- ``FileProvider(prices_path, carbon_path)``: answers from ``--prices`` / ``--carbon`` files.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pandas as pd

from flexcalc.regions import Region, by_letter
from flexcalc.sources.base import DataProvider, DataUnavailable, Forecast
from flexcalc.sources.coverage import shortfall_notes
from flexcalc.sources.csv_files import (
    CarbonFile,
    PriceFile,
    read_carbon,
    read_prices,
)
from flexcalc.sources.horizon import carbon_horizon_end, price_horizon_end, upcoming
from flexcalc.sources.http import UpstreamUnreachable
from flexcalc.sources.live import CARBON, PRICES, ForecastPart, LiveProvider, assemble
from flexcalc.sources.missing_metric import MissingMetric
from flexcalc.sources.sample import (
    SampleProvider,
    mix_like,
    sample_carbon,
    sample_like,
    sample_prices,
)
from flexcalc.timeslots import LONDON, fmt_day_time, utc

OFFLINE_VALUES = {"1", "true", "yes", "on"}
RECHECK_AFTER = pd.Timedelta(minutes=5)
SOURCES = (PRICES, CARBON)


def offline_requested() -> bool:
    return os.environ.get("FLEX_OFFLINE", "").strip().lower() in OFFLINE_VALUES


def make_provider(offline: bool | None = None) -> DataProvider:
    """The provider for this process (``offline=None``: decided by ``FLEX_OFFLINE``)."""
    if offline is None:
        offline = offline_requested()
    if offline:
        return SampleProvider()
    return FallbackProvider(LiveProvider(), SampleProvider())


class FallbackProvider:
    """Live data; for each source (Octopus prices, Carbon Intensity carbon) separately, the
    bundled sample when that API cannot be reached at all.

    Only "no connection" (DNS failure, refused, connect timeout) switches a source to the
    sample: a slow or failing API (read timeout, 5xx) gets retries, then its cached copy with
    its age, then an honest message. After a source's connection failure its live API is not
    tried again for ``recheck_after`` so users are not kept waiting for connect timeouts; the
    other source carries on live. Answers say which part is sample.
    """

    def __init__(
        self,
        live: LiveProvider,
        sample: SampleProvider,
        recheck_after: pd.Timedelta = RECHECK_AFTER,
    ) -> None:
        self.live = live
        self.sample = sample
        self.recheck_after = recheck_after
        self._offline_until: dict[str, pd.Timestamp] = {}
        self._reason: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def source(self) -> str:
        return "sample" if all(self._skip_live(kind) for kind in SOURCES) else "live"

    def _skip_live(self, kind: str) -> bool:
        with self._lock:
            until = self._offline_until.get(kind)
            return until is not None and pd.Timestamp.now(tz="UTC") < until

    def _went_offline(self, kind: str, exc: Exception) -> None:
        with self._lock:
            self._offline_until[kind] = pd.Timestamp.now(tz="UTC") + self.recheck_after
            self._reason[kind] = str(exc)

    def _note(self, *kinds: str) -> str:
        with self._lock:
            reasons = " ".join(dict.fromkeys(self._reason.get(k, "") for k in kinds)).strip()
        if set(kinds) == set(SOURCES):
            return f"No connection to the live APIs ({reasons}); using offline sample data."
        (kind,) = kinds
        what = "Prices are" if kind == PRICES else "Carbon is"
        return f"No connection: {reasons} {what} offline sample data, not live"

    def forecast(self, region: Region, now: pd.Timestamp) -> Forecast:
        offline = [kind for kind in SOURCES if self._skip_live(kind)]
        parts: dict[str, ForecastPart] = {}
        if len(offline) < len(SOURCES):
            wanted = tuple(kind for kind in SOURCES if kind not in offline)
            parts = self.live.fetch_parts(region, utc(now), wanted)
            for kind, part in parts.items():
                if isinstance(part.error, UpstreamUnreachable):
                    self._went_offline(kind, part.error)
                    offline.append(kind)
        if len(offline) == len(SOURCES):
            forecast = self.sample.forecast(region, now)
            forecast.notes.insert(1, self._note(*SOURCES))
            return forecast
        for kind in offline:
            parts[kind] = self._sample_part(kind, region, utc(now))
        return assemble(region, utc(now), parts)

    def _sample_part(self, kind: str, region: Region, now: pd.Timestamp) -> ForecastPart:
        """The sample standing in for one source of a live forecast, on the asked slots."""
        if kind == PRICES:
            series, end = sample_prices().prices, price_horizon_end(now)
            detail = "region C (London) Agile prices"
        else:
            series, end = sample_carbon().frame["forecast"], carbon_horizon_end(now)
            detail = "GB national carbon intensity"
        values, replayed = sample_like(series, now, end)
        note = self._note(kind)
        if replayed is not None:
            day = replayed.tz_convert(LONDON).strftime("%a %d %b %Y")
            note += f" ({detail} from {day} on, same weekday and time of day)."
        else:
            note += "; the sample has none for this time of year."
        mix = mix_like(now) if kind == CARBON else {}
        return ForecastPart(values, [note], sample=True, mix=mix)

    def price_history(self, region: Region, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        if not self._skip_live(PRICES):
            try:
                return self.live.price_history(region, start, end)
            except UpstreamUnreachable as exc:
                self._went_offline(PRICES, exc)
        series = self.sample.price_history(region, start, end)
        series.attrs["note"] = f"{self._note(PRICES)}. {series.attrs.get('note', '')}".strip()
        return series

    def carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        if not self._skip_live(CARBON):
            try:
                return self.live.carbon_history(region, start, end)
            except UpstreamUnreachable as exc:
                self._went_offline(CARBON, exc)
        frame = self.sample.carbon_history(region, start, end)
        frame.attrs["note"] = f"{self._note(CARBON)}. {frame.attrs.get('note', '')}".strip()
        return frame

    def regional_carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.Series | None:
        """Live regional history; None offline (the sample is national only)."""
        if self._skip_live(CARBON):
            return None
        try:
            return self.live.regional_carbon_history(region, start, end)
        except UpstreamUnreachable as exc:
            self._went_offline(CARBON, exc)
            return None

    def lookup_postcode(self, postcode: str) -> str | None:
        if self._skip_live(PRICES):
            return self.sample.lookup_postcode(postcode)
        return self.live.lookup_postcode(postcode) or self.sample.lookup_postcode(postcode)


class FileProvider:
    """``DataProvider`` answering from a prices file and/or a carbon file.

    ``forecast(region, now)`` treats the files as a record of history: prices from the slot
    containing ``now`` to the publication horizon, carbon forecast 48 h ahead. Either file may
    be omitted; its part then comes from ``fallback`` (a ``MissingMetric``: the sample or live
    data, only where they cover the asked instant or period) or is left empty ("n/a").
    Files are read when the provider is made, so unreadable files fail early (``ValueError``).
    """

    source = "file"

    def __init__(
        self,
        prices_path: str | Path | None = None,
        carbon_path: str | Path | None = None,
        fallback: MissingMetric | None = None,
    ) -> None:
        if prices_path is None and carbon_path is None:
            raise ValueError("Give a prices file, a carbon file or both.")
        self.prices_file: PriceFile | None = read_prices(prices_path) if prices_path else None
        self.carbon_file: CarbonFile | None = read_carbon(carbon_path) if carbon_path else None
        self.fallback = fallback

    def _files(self) -> list[PriceFile | CarbonFile]:
        return [f for f in (self.prices_file, self.carbon_file) if f is not None]

    def region_shown(self) -> str | None:
        """The region letter the files show (tariff code or MPAN): the prices file's first."""
        return next((f.region for f in self._files() if f.region is not None), None)

    def region_notes(self, region: Region) -> list[str]:
        """Which region the answer is for and why, when a file shows one: agreeing, or the
        words ``in X`` overriding what the file shows (said, so a wrong file is noticed)."""
        notes = []
        for part in self._files():
            if part.region is None:
                continue
            shown = by_letter(part.region)
            name = Path(part.path).name
            if shown.letter == region.letter:
                notes.append(f"Region {shown.label}: shown by {name}.")
            else:
                notes.append(
                    f"{name} shows region {shown.label}, but the answer is for {region.label} "
                    "as you asked: check the file is for that region."
                )
        return notes

    def coverage_notes(self) -> list[str]:
        notes = []
        for part in (self.prices_file, self.carbon_file):
            if part is not None:
                notes.append(f"{Path(part.path).name}: {part.coverage.describe()}")
        return notes

    def forecast(self, region: Region, now: pd.Timestamp) -> Forecast:
        now = utc(now)
        notes = self.coverage_notes()
        mix: dict[str, float] = {}
        if self.prices_file is not None:
            prices = upcoming(self.prices_file.prices, now, price_horizon_end(now)).rename("price")
            notes += shortfall_notes(prices, price_horizon_end(now), "prices", "The file's")
        else:
            part = self._missing(PRICES, region, now)
            prices = part.series.rename("price")
            notes += [n for n in part.notes if n]
        if self.carbon_file is not None:
            forecast_col = self.carbon_file.frame["forecast"].dropna()
            carbon = upcoming(forecast_col, now, carbon_horizon_end(now)).rename("carbon")
            notes += shortfall_notes(
                carbon, carbon_horizon_end(now), "carbon forecast", "The file's"
            )
        else:
            part = self._missing(CARBON, region, now)
            carbon, mix = part.series.rename("carbon"), part.mix
            notes += [n for n in part.notes if n]
        if prices.empty and carbon.empty:
            raise DataUnavailable(
                f"The files have no data from {fmt_day_time(now)} on. " + " ".join(notes)
            )
        return Forecast(region, prices, carbon, now, mix=mix, source="file", notes=notes)

    def _missing(self, kind: str, region: Region, now: pd.Timestamp) -> ForecastPart:
        """The metric without a file, from the fallback (if any) when it covers ``now``."""
        if self.fallback is not None:
            return self.fallback.forecast_part(kind, region, now)
        what = "prices" if kind == PRICES else "carbon"
        empty = pd.Series([], dtype=float, index=pd.DatetimeIndex([], tz="UTC"))
        return ForecastPart(empty, [f"No {what} file given: {what} n/a."])

    def price_history(self, region: Region, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        if self.prices_file is None:
            if self.fallback is None:
                raise DataUnavailable("No prices file given.")
            return self.fallback.price_history(region, start, end)
        prices = self.prices_file.prices
        part = prices.loc[(prices.index >= utc(start)) & (prices.index < utc(end))].copy()
        part.attrs = {"source": "file", "note": self.prices_file.coverage.describe()}
        return part

    def carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        if self.carbon_file is None:
            if self.fallback is None:
                raise DataUnavailable("No carbon file given.")
            return self.fallback.carbon_history(region, start, end)
        frame = self.carbon_file.frame
        part = frame.loc[(frame.index >= utc(start)) & (frame.index < utc(end))].copy()
        part.attrs = {"source": "file", "note": self.carbon_file.coverage.describe()}
        return part

    def regional_carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.Series | None:
        """None when a carbon file is given (one national series for every region); without
        one, the fallback's regional history (if it has any)."""
        if self.carbon_file is None and self.fallback is not None:
            fetch = getattr(self.fallback, "regional_carbon_history", None)
            return fetch(region, start, end) if callable(fetch) else None
        return None

    def lookup_postcode(self, postcode: str) -> str | None:
        if self.fallback is not None:
            return self.fallback.lookup_postcode(postcode)
        return SampleProvider().lookup_postcode(postcode)
