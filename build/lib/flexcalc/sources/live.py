"""``LiveProvider``: Octopus Agile prices + Carbon Intensity regional forecast, through the cache.

A forecast holds every published price from the slot containing ``now`` (Octopus publishes
tomorrow's 23:00-23:00 prices between about 16:00 and 20:00 UK time) and the regional 48 h
carbon forecast with its generation mix. If one API fails the other's data is still returned,
with a note; if both fail (and nothing is cached) ``DataUnavailable`` is raised.
"""

from __future__ import annotations

import pandas as pd
import requests

from flexcalc.regions import Region
from flexcalc.sources import payloads
from flexcalc.sources.base import DataUnavailable, Forecast
from flexcalc.sources.carbon_intensity import CarbonIntensityClient
from flexcalc.sources.coverage import Coverage
from flexcalc.sources.http import UpstreamError, UpstreamUnreachable, fmt_age, make_session
from flexcalc.sources.octopus import OctopusClient
from flexcalc.timeslots import LONDON, SLOT, floor_slot, fmt_day_time, utc

LATE_HOUR = 20  # tomorrow's prices are normally out by 20:00 UK time
FORECAST_EXPIRY = pd.Timedelta(minutes=10)
PRODUCT_HOPS = (
    3  # earlier Agile products tried for history  # upcoming prices change when tomorrow's appear
)


def local_day_bounds(now: pd.Timestamp, days_ahead: int = 0) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC start of the UK day of ``now`` (+``days_ahead``) and 23:00 UK time the day after."""
    day = utc(now).tz_convert(LONDON).normalize().tz_localize(None) + pd.Timedelta(days=days_ahead)
    start = day.tz_localize(LONDON).tz_convert("UTC")
    end = (day + pd.Timedelta(days=1, hours=23)).tz_localize(LONDON).tz_convert("UTC")
    return start, end


def price_horizon_note(prices: pd.Series, now: pd.Timestamp) -> str:
    """``"Prices to Wed 25 Nov 23:00; tomorrow's usually appear 16:00–20:00"``."""
    if prices.empty:
        return "No Agile prices are published from now on."
    last = prices.index[-1] + SLOT
    note = f"Prices to {fmt_day_time(last)}"
    here = utc(now).tz_convert(LONDON)
    _, tomorrow_23 = local_day_bounds(now)
    if last < tomorrow_23:
        if here.hour < LATE_HOUR:
            note += "; tomorrow's usually appear 16:00–20:00"
        else:
            note += "; tomorrow's are late today (usually out by 20:00)"
    return note


def _stale_note(attrs: dict, service: str) -> str | None:
    if not attrs.get("stale"):
        return None
    wall_clock = pd.Timestamp.now(tz="UTC")
    age = fmt_age(wall_clock - attrs["fetched_at"]) if "fetched_at" in attrs else "some time"
    return f"Served from cache, {age} old: {service} did not answer"


class LiveProvider:
    """``DataProvider`` over the live APIs (cached; stale copies served if an API fails)."""

    source = "live"

    def __init__(
        self,
        octopus: OctopusClient | None = None,
        carbon: CarbonIntensityClient | None = None,
        session: requests.Session | None = None,
    ) -> None:
        if session is None and (octopus is None or carbon is None):
            session = make_session()
        self.octopus = octopus or OctopusClient(session=session)
        self.carbon = carbon or CarbonIntensityClient(session=session)

    def _prices(self, region: Region, now: pd.Timestamp) -> pd.Series:
        start, end = local_day_bounds(now)
        earlier = local_day_bounds(now, days_ahead=-1)
        rates = self.octopus.unit_rates(
            region.letter, start, end, fallbacks=[earlier], expire_after=FORECAST_EXPIRY
        )
        upcoming = rates.loc[rates.index >= floor_slot(now)].rename("price")
        upcoming.attrs = dict(rates.attrs)
        return upcoming

    def forecast(self, region: Region, now: pd.Timestamp) -> Forecast:
        now = utc(now)
        notes: list[str] = []
        failures: list[UpstreamError] = []
        fetched: list[pd.Timestamp] = []
        stale = False

        prices = pd.Series([], dtype=float, index=pd.DatetimeIndex([], tz="UTC"), name="price")
        try:
            prices = self._prices(region, now)
            fetched.append(prices.attrs.get("fetched_at", now))
            notes.append(price_horizon_note(prices, now))
            stale_note = _stale_note(prices.attrs, "Octopus")
            if stale_note:
                notes.append(stale_note)
                stale = True
        except UpstreamError as exc:
            failures.append(exc)
            notes.append(f"No prices: {exc}")

        carbon = pd.Series([], dtype=float, index=pd.DatetimeIndex([], tz="UTC"), name="carbon")
        mix: dict[str, float] = {}
        try:
            regional = self.carbon.regional_forecast(region.ci_region_id, now)
            carbon = regional.carbon
            mix = payloads.mix_at(regional.mix, floor_slot(now))
            fetched.append(regional.freshness.fetched_at)
            if regional.freshness.stale:
                attrs = {"stale": True, "fetched_at": regional.freshness.fetched_at}
                notes.append(_stale_note(attrs, "Carbon Intensity") or "")
                stale = True
            cover = Coverage.of(carbon.index, label="carbon forecast")
            if not cover.complete:
                notes.append(f"Carbon forecast has {cover.missing} missing slot(s).")
        except UpstreamError as exc:
            failures.append(exc)
            notes.append(f"No carbon forecast: {exc}")

        if len(failures) == 2:
            message = " ".join(str(f) for f in failures)
            if all(isinstance(f, UpstreamUnreachable) for f in failures):
                raise UpstreamUnreachable(message)
            raise DataUnavailable(f"No live data right now. {message}")
        return Forecast(
            region=region,
            prices=prices,
            carbon=carbon,
            now=now,
            mix=mix,
            source="cache" if stale else "live",
            fetched_at=min(fetched) if fetched else None,
            notes=[n for n in notes if n],
        )

    def price_history(self, region: Region, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        """Agile import prices for [start, end); gaps noted in attrs.

        Agile is relaunched under new product codes; when the current product's rates start
        after ``start``, the product that was on sale just before is asked too (a few times).
        """
        start, end = utc(start), utc(end)
        series = self.octopus.unit_rates(region.letter, start, end)
        asked = {self.octopus.agile_product_code()}
        cursor = series.index[0] if len(series) else end
        for _ in range(PRODUCT_HOPS):
            if cursor <= start:
                break
            code = self._product_before(cursor, start, asked)
            if code is None:
                break
            asked.add(code)
            older = self.octopus.unit_rates(region.letter, start, cursor, product=code)
            if older.empty:
                break
            series = pd.concat([older, series])
            cursor = older.index[0]
        series = series[~series.index.duplicated(keep="last")].sort_index().rename("price")
        cover = Coverage.of(series.index, label="prices")
        series.attrs = {"source": "live", "coverage": cover, "products": sorted(asked)}
        if series.empty or series.index[0] > utc(start) or not cover.complete:
            series.attrs["note"] = cover.describe()
        return series

    def _product_before(
        self, cursor: pd.Timestamp, start: pd.Timestamp, asked: set[str]
    ) -> str | None:
        """A not-yet-asked Agile product on sale just before ``cursor`` or else at ``start``."""
        for when in (cursor - SLOT, start):
            try:
                code = self.octopus.agile_product_code(at=when)
            except UpstreamError:
                continue
            if code not in asked:
                return code
        return None

    def carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """National forecast and actual (regional history has no actual) for [start, end)."""
        frame = self.carbon.history(start, end)
        cover = Coverage.of(frame.index, label="carbon")
        frame.attrs = {
            **frame.attrs,
            "source": "live",
            "coverage": cover,
            "note": "GB national carbon intensity",
        }
        return frame

    def regional_carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.Series:
        """The region's own forecast intensity for [start, end) (the regional API has no
        actual values); gaps noted in attrs."""
        frame = self.carbon.regional_history(region.ci_region_id, start, end)
        series = frame["forecast"].where(frame["forecast"] > 0).dropna().rename("carbon")
        cover = Coverage.of(series.index, label=f"{region.name} carbon")
        series.attrs = {
            **frame.attrs,
            "source": "live",
            "coverage": cover,
            "note": f"{region.name} regional carbon intensity (forecast)",
        }
        return series

    def lookup_postcode(self, postcode: str) -> str | None:
        """Region letter from Octopus grid-supply-points (None if unknown or unreachable)."""
        try:
            return self.octopus.grid_supply_point(postcode)
        except UpstreamError:
            return None
