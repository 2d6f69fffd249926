"""Choosing a data source: live (with offline fallback), the bundled sample, or user files.

- ``make_provider()``: ``FLEX_OFFLINE=1`` -> ``SampleProvider``; otherwise live data that falls
  back to the sample when the network is unreachable (every such answer says it is sample).
  An API that answers with errors is *not* replaced by sample data: the user gets the error.
- ``FileProvider(prices_path, carbon_path)``: answers from ``--prices`` / ``--carbon`` files.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pandas as pd

from flexcalc.regions import Region
from flexcalc.sources.base import DataProvider, DataUnavailable, Forecast
from flexcalc.sources.coverage import shortfall_notes
from flexcalc.sources.csv_files import CarbonFile, PriceFile, read_carbon, read_prices
from flexcalc.sources.horizon import carbon_horizon_end, price_horizon_end, upcoming
from flexcalc.sources.http import UpstreamUnreachable
from flexcalc.sources.live import LiveProvider
from flexcalc.sources.sample import SampleProvider
from flexcalc.timeslots import fmt_day_time, utc

OFFLINE_VALUES = {"1", "true", "yes", "on"}
RECHECK_AFTER = pd.Timedelta(minutes=5)


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
    """Live data; the bundled sample when the network cannot be reached.

    After a failure to connect, live data is not tried again for ``recheck_after`` so users are
    not kept waiting for timeouts on every question.
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
        self._offline_until: pd.Timestamp | None = None
        self._reason = ""
        self._lock = threading.Lock()

    @property
    def source(self) -> str:
        return "sample" if self._skip_live() else "live"

    def _skip_live(self) -> bool:
        with self._lock:
            return (
                self._offline_until is not None and pd.Timestamp.now(tz="UTC") < self._offline_until
            )

    def _went_offline(self, exc: Exception) -> str:
        with self._lock:
            self._offline_until = pd.Timestamp.now(tz="UTC") + self.recheck_after
            self._reason = str(exc)
        return self._note()

    def _note(self) -> str:
        return f"No connection to the live APIs ({self._reason}); using offline sample data."

    def forecast(self, region: Region, now: pd.Timestamp) -> Forecast:
        if not self._skip_live():
            try:
                return self.live.forecast(region, now)
            except UpstreamUnreachable as exc:
                note = self._went_offline(exc)
        else:
            note = self._note()
        forecast = self.sample.forecast(region, now)
        forecast.notes.insert(1, note)
        return forecast

    def price_history(self, region: Region, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        if not self._skip_live():
            try:
                return self.live.price_history(region, start, end)
            except UpstreamUnreachable as exc:
                self._went_offline(exc)
        series = self.sample.price_history(region, start, end)
        series.attrs["note"] = f"{self._note()} {series.attrs.get('note', '')}".strip()
        return series

    def carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        if not self._skip_live():
            try:
                return self.live.carbon_history(region, start, end)
            except UpstreamUnreachable as exc:
                self._went_offline(exc)
        frame = self.sample.carbon_history(region, start, end)
        frame.attrs["note"] = f"{self._note()} {frame.attrs.get('note', '')}".strip()
        return frame

    def regional_carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.Series | None:
        """Live regional history; None offline (the sample is national only)."""
        if self._skip_live():
            return None
        try:
            return self.live.regional_carbon_history(region, start, end)
        except UpstreamUnreachable as exc:
            self._went_offline(exc)
            return None

    def lookup_postcode(self, postcode: str) -> str | None:
        if self._skip_live():
            return self.sample.lookup_postcode(postcode)
        return self.live.lookup_postcode(postcode) or self.sample.lookup_postcode(postcode)


class FileProvider:
    """``DataProvider`` answering from a prices file and/or a carbon file.

    ``forecast(region, now)`` treats the files as a record of history: prices from the slot
    containing ``now`` to the publication horizon, carbon forecast 48 h ahead. Either file may
    be omitted; its part then comes from ``fallback`` (if given) or is left empty with a note.
    Files are read when the provider is made, so unreadable files fail early (``ValueError``).
    """

    source = "file"

    def __init__(
        self,
        prices_path: str | Path | None = None,
        carbon_path: str | Path | None = None,
        fallback: DataProvider | None = None,
    ) -> None:
        if prices_path is None and carbon_path is None:
            raise ValueError("Give a prices file, a carbon file or both.")
        self.prices_file: PriceFile | None = read_prices(prices_path) if prices_path else None
        self.carbon_file: CarbonFile | None = read_carbon(carbon_path) if carbon_path else None
        self.fallback = fallback

    def coverage_notes(self) -> list[str]:
        notes = []
        for part in (self.prices_file, self.carbon_file):
            if part is not None:
                notes.append(f"{Path(part.path).name}: {part.coverage.describe()}")
        return notes

    def forecast(self, region: Region, now: pd.Timestamp) -> Forecast:
        now = utc(now)
        notes = self.coverage_notes()
        empty = pd.Series([], dtype=float, index=pd.DatetimeIndex([], tz="UTC"))
        prices, carbon = empty.rename("price"), empty.rename("carbon")
        mix: dict[str, float] = {}
        extra: Forecast | None = None
        if (self.prices_file is None or self.carbon_file is None) and self.fallback is not None:
            extra = self.fallback.forecast(region, now)
            mix = extra.mix
        if self.prices_file is not None:
            prices = upcoming(self.prices_file.prices, now, price_horizon_end(now)).rename("price")
            notes += shortfall_notes(prices, price_horizon_end(now), "prices", "The file's")
        elif extra is not None:
            prices = extra.prices
            notes += [f"Prices: {n}" for n in extra.notes]
        else:
            notes.append("No prices file given.")
        if self.carbon_file is not None:
            forecast_col = self.carbon_file.frame["forecast"].dropna()
            carbon = upcoming(forecast_col, now, carbon_horizon_end(now)).rename("carbon")
            notes += shortfall_notes(
                carbon, carbon_horizon_end(now), "carbon forecast", "The file's"
            )
        elif extra is not None:
            carbon = extra.carbon
            notes += [f"Carbon: {n}" for n in extra.notes]
        else:
            notes.append("No carbon file given.")
        if prices.empty and carbon.empty:
            raise DataUnavailable(
                f"The files have no data from {fmt_day_time(now)} on. " + " ".join(notes)
            )
        return Forecast(region, prices, carbon, now, mix=mix, source="file", notes=notes)

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
