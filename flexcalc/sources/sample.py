"""Offline provider replaying the bundled sample: region C Agile prices and GB carbon history.

Data (see ``flexcalc/data/SOURCES.md``): Agile import prices for region C (London) and national
carbon intensity (forecast and actual) from 2022-11-25 to 2024-09-30 (prices are missing
2023-12-12 to 2024-04-02), and one recorded week of national generation mix (April 2019).

``forecast(region, now)`` replays history as if it were ``now``: when the sample has a price for
the slot containing ``now`` it is used; otherwise the fixed ``SAMPLE_INSTANT`` (Sat 08 Jun 2024
17:30 UK time, whose next day has negative prices) stands in for ``now``. The returned
``Forecast.now`` is the instant actually replayed, so windows are computed relative to it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from flexcalc import regions
from flexcalc.regions import Region
from flexcalc.sources import payloads
from flexcalc.sources.base import DataUnavailable, Forecast
from flexcalc.sources.coverage import shortfall_notes
from flexcalc.sources.csv_files import CarbonFile, PriceFile, read_carbon, read_prices
from flexcalc.sources.horizon import carbon_horizon_end, price_horizon_end, upcoming
from flexcalc.timeslots import LONDON, floor_slot, utc

PRICES_FILE = "sample_agile_C.csv.gz"
CARBON_FILE = "sample_carbon_national.csv.gz"
MIX_FILE = "sample_generation_mix_national.csv.gz"
SAMPLE_REGION = "C"
# 17:30 UK time on a Saturday whose Sunday has negative prices (shown by the offline demo).
SAMPLE_INSTANT = pd.Timestamp("2024-06-08 17:30", tz=LONDON).tz_convert("UTC")
SAMPLE_MIX_NOTE = "Generation mix is a recorded GB example (April 2019), not for this day."


def _data_path(name: str):
    return resources.files("flexcalc.data").joinpath(name)


@cache
def sample_prices() -> PriceFile:
    """The bundled region C Agile import prices."""
    with resources.as_file(_data_path(PRICES_FILE)) as path:
        return read_prices(path)


@cache
def sample_carbon() -> CarbonFile:
    """The bundled national carbon intensity history (forecast and actual)."""
    with resources.as_file(_data_path(CARBON_FILE)) as path:
        return read_carbon(path)


@cache
def sample_mix() -> pd.DataFrame:
    """One recorded week of national generation mix (% by fuel per UTC slot)."""
    frame = pd.read_csv(_data_path(MIX_FILE).open("rb"), compression="gzip", index_col="time")
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index, utc=True)).rename(None)
    return frame


def mix_like(when: pd.Timestamp) -> dict[str, float]:
    """The recorded mix at the same weekday and time of day as ``when``."""
    mix = sample_mix()
    week = pd.Timedelta(days=7)
    anchor = mix.index[0]
    offset = (floor_slot(when) - anchor) % week
    return payloads.mix_at(mix, anchor + offset)


YEAR_OF_WEEKS = pd.Timedelta(weeks=52)  # shifts keep the weekday and the time of day


def sample_like(
    series: pd.Series, now: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.Series, pd.Timestamp | None]:
    """Sample values standing in for [slot of ``now``, ``end``): the most recent stretch of
    ``series`` a whole number of 52-week years earlier (same weekday, time of day and season)
    that is at least 90 % present, moved onto the asked slots. Returns it and the UTC start of
    the replayed stretch (empty and None when the sample has no such stretch)."""
    start = floor_slot(now)
    wanted = max(1, int((end - start) / pd.Timedelta(minutes=30)))
    for years in range(0, 40):
        shift = years * YEAR_OF_WEEKS
        part = series.loc[(series.index >= start - shift) & (series.index < end - shift)]
        part = part.dropna()
        if len(part) >= 0.9 * wanted:
            moved = part.copy()
            moved.index = moved.index + shift
            return moved, start - shift
    return series.iloc[:0], None


def _tag(series, note: str):
    series = series.copy()
    series.attrs = {"source": "sample", "note": note}
    return series


class SampleProvider:
    """``DataProvider`` backed by the bundled sample (never touches the network)."""

    source = "sample"

    def replay_instant(self, now: pd.Timestamp) -> pd.Timestamp:
        """``now`` when the sample has a price for its slot, else ``SAMPLE_INSTANT``."""
        now = utc(now)
        return now if floor_slot(now) in sample_prices().prices.index else SAMPLE_INSTANT

    def notes_for(self, region: Region, when: pd.Timestamp) -> list[str]:
        day = when.tz_convert(LONDON).strftime("%a %d %b %Y")
        notes = [f"Offline sample data from {day} (London prices, GB carbon) — not live"]
        if region.letter != SAMPLE_REGION:
            notes.append(
                f"The sample only has region C (London) prices, shown in place of {region.label}; "
                "carbon is national, not regional."
            )
        return notes

    def forecast(self, region: Region, now: pd.Timestamp) -> Forecast:
        when = self.replay_instant(now)
        prices = upcoming(sample_prices().prices, when, price_horizon_end(when))
        carbon = upcoming(sample_carbon().frame["forecast"], when, carbon_horizon_end(when))
        if prices.empty:
            raise DataUnavailable("The bundled sample has no prices for that time.")
        notes = self.notes_for(region, when)
        notes += shortfall_notes(prices, price_horizon_end(when), "prices", "The sample's")
        notes += shortfall_notes(
            carbon.dropna(), carbon_horizon_end(when), "carbon forecast", "The sample's"
        )
        notes.append(SAMPLE_MIX_NOTE)
        return Forecast(
            region=region,
            prices=prices.rename("price"),
            carbon=carbon.dropna().rename("carbon"),
            now=when,
            mix=mix_like(when),
            source="sample",
            fetched_at=None,
            notes=notes,
        )

    def price_history(self, region: Region, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        """Region C sample prices in [start, end); ``attrs`` carry ``source`` and a ``note``."""
        prices = sample_prices().prices
        part = prices.loc[(prices.index >= utc(start)) & (prices.index < utc(end))]
        note = "Offline sample: region C (London) Agile prices"
        if region.letter != SAMPLE_REGION:
            note += f", shown in place of {region.label}"
        return _tag(part.rename("price"), note)

    def carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """National sample carbon (forecast, actual) in [start, end); ``attrs`` as above."""
        frame = sample_carbon().frame
        part = frame.loc[(frame.index >= utc(start)) & (frame.index < utc(end))]
        return _tag(part, "Offline sample: GB national carbon intensity")

    def regional_carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.Series | None:
        """None: the sample is GB national carbon only."""
        return None

    def lookup_postcode(self, postcode: str) -> str | None:
        """Region letter from the bundled postcode-district table (no network)."""
        try:
            return regions.by_postcode(postcode).letter
        except regions.UnknownRegion:
            return None
