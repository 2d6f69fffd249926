"""``LiveProvider``: Octopus day-ahead prices + Carbon Intensity regional forecast, via the cache.

A forecast holds every published price from the slot containing ``now`` (Octopus publishes
tomorrow's 23:00-23:00 prices between about 16:00 and 20:00 UK time) and the regional 48 h
carbon forecast with its generation mix. The two APIs are asked at the same time; if one fails
the other's data is still returned, with a note; if both fail (and nothing is cached)
``DataUnavailable`` is raised.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

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

PRICES, CARBON = "prices", "carbon"  # the two sources of a forecast, each with its own fallback
LATE_HOUR = 20  # tomorrow's prices are normally out by 20:00 UK time
FORECAST_EXPIRY = pd.Timedelta(minutes=10)
PRODUCT_HOPS = 3  # earlier products of the default family tried for history


def local_day_bounds(now: pd.Timestamp, days_ahead: int = 0) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC start of the UK day of ``now`` (+``days_ahead``) and 23:00 UK time the day after."""
    day = utc(now).tz_convert(LONDON).normalize().tz_localize(None) + pd.Timedelta(days=days_ahead)
    start = day.tz_localize(LONDON).tz_convert("UTC")
    end = (day + pd.Timedelta(days=1, hours=23)).tz_localize(LONDON).tz_convert("UTC")
    return start, end


def price_horizon_note(prices: pd.Series, now: pd.Timestamp) -> str:
    """``"Prices to Wed 25 Nov 23:00; tomorrow's usually appear 16:00–20:00"``."""
    if prices.empty:
        return "No prices are published from now on."
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


def _empty(name: str) -> pd.Series:
    return pd.Series([], dtype=float, index=pd.DatetimeIndex([], tz="UTC"), name=name)


@dataclass
class ForecastPart:
    """One source's share of a forecast (``PRICES`` or ``CARBON``): its series, or the error
    that left it empty, plus the notes users see about it."""

    series: pd.Series
    notes: list[str] = field(default_factory=list)
    error: UpstreamError | None = None
    fetched_at: pd.Timestamp | None = None
    stale: bool = False  # an expired cached copy, served because the API failed
    sample: bool = False  # offline sample data standing in (see FallbackProvider)
    mix: dict[str, float] = field(default_factory=dict)  # generation mix now (carbon part)


def assemble(region: Region, now: pd.Timestamp, parts: dict[str, ForecastPart]) -> Forecast:
    """A ``Forecast`` from its prices and carbon parts; ``DataUnavailable`` when both failed
    (``UpstreamUnreachable`` when neither API could be reached at all)."""
    prices, carbon = parts[PRICES], parts[CARBON]
    failures = [p.error for p in (prices, carbon) if p.error is not None]
    if len(failures) == 2:
        message = " ".join(str(f) for f in failures)
        if all(isinstance(f, UpstreamUnreachable) for f in failures):
            raise UpstreamUnreachable(message)
        raise DataUnavailable(f"No live data right now. {message}")
    fetched = [p.fetched_at for p in (prices, carbon) if p.fetched_at is not None]
    return Forecast(
        region=region,
        prices=prices.series.rename("price"),
        carbon=carbon.series.rename("carbon"),
        now=now,
        mix=carbon.mix,
        source="cache" if prices.stale or carbon.stale else "live",
        fetched_at=min(fetched) if fetched else None,
        notes=[n for n in prices.notes + carbon.notes if n],
    )


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

    def prices_part(self, region: Region, now: pd.Timestamp) -> ForecastPart:
        """Published prices from the slot containing ``now``, or the error (never raised)."""
        try:
            prices = self._prices(region, now)
        except UpstreamError as exc:
            return ForecastPart(_empty("price"), [f"No prices: {exc}"], error=exc)
        stale_note = _stale_note(prices.attrs, "Octopus")
        return ForecastPart(
            prices,
            [price_horizon_note(prices, now), stale_note or ""],
            fetched_at=prices.attrs.get("fetched_at", now),
            stale=stale_note is not None,
        )

    def carbon_part(self, region: Region, now: pd.Timestamp) -> ForecastPart:
        """The regional 48 h carbon forecast and generation mix, or the error (never raised)."""
        try:
            regional = self.carbon.regional_forecast(region.ci_region_id, now)
        except UpstreamError as exc:
            return ForecastPart(_empty("carbon"), [f"No carbon forecast: {exc}"], error=exc)
        notes = []
        fresh = regional.freshness
        if fresh.stale:
            attrs = {"stale": True, "fetched_at": fresh.fetched_at}
            notes.append(_stale_note(attrs, "Carbon Intensity") or "")
        cover = Coverage.of(regional.carbon.index, label="carbon forecast")
        if not cover.complete:
            notes.append(f"Carbon forecast has {cover.missing} missing slot(s).")
        return ForecastPart(
            regional.carbon,
            notes,
            fetched_at=fresh.fetched_at,
            stale=fresh.stale,
            mix=payloads.mix_at(regional.mix, floor_slot(now)),
        )

    def fetch_parts(
        self, region: Region, now: pd.Timestamp, kinds: tuple[str, ...] = (PRICES, CARBON)
    ) -> dict[str, ForecastPart]:
        """The parts named in ``kinds``, fetched at the same time (one thread per API), so a
        hung API costs one timeout, not the sum of both."""
        fetchers = {PRICES: self.prices_part, CARBON: self.carbon_part}
        if len(kinds) == 1:
            return {kinds[0]: fetchers[kinds[0]](region, now)}
        parts: dict[str, ForecastPart] = {}
        with ThreadPoolExecutor(max_workers=len(kinds), thread_name_prefix="upstream") as pool:
            futures = {}
            for kind in kinds:
                try:
                    futures[kind] = pool.submit(fetchers[kind], region, now)
                except RuntimeError:  # the interpreter is shutting down: no new threads
                    parts[kind] = fetchers[kind](region, now)
            parts.update({kind: future.result() for kind, future in futures.items()})
        return {kind: parts[kind] for kind in kinds}

    def forecast(self, region: Region, now: pd.Timestamp) -> Forecast:
        now = utc(now)
        return assemble(region, now, self.fetch_parts(region, now))

    def price_history(self, region: Region, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        """The default family's import prices for [start, end); gaps noted in attrs.

        Octopus relaunches the product under new codes; when the current product's rates start
        after ``start``, the product that was on sale just before is asked too (a few times).
        """
        start, end = utc(start), utc(end)
        series = self.octopus.unit_rates(region.letter, start, end)
        stale = [series.attrs] if series.attrs.get("stale") else []
        asked = {self.octopus.product_code()}
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
            stale += [older.attrs] if older.attrs.get("stale") else []
            series = pd.concat([older, series])
            cursor = older.index[0]
        series = series[~series.index.duplicated(keep="last")].sort_index().rename("price")
        cover = Coverage.of(series.index, label="prices")
        series.attrs = {"source": "live", "coverage": cover, "products": sorted(asked)}
        notes = [_stale_note(attrs, "Octopus") for attrs in stale[:1]]
        if series.empty or series.index[0] > utc(start) or not cover.complete:
            notes.append(cover.describe())
        if notes:
            series.attrs["note"] = " ".join(n for n in notes if n)
        return series

    def _product_before(
        self, cursor: pd.Timestamp, start: pd.Timestamp, asked: set[str]
    ) -> str | None:
        """A not-yet-asked default-family product on sale before ``cursor``, else at ``start``."""
        for when in (cursor - SLOT, start):
            try:
                code = self.octopus.product_code(at=when)
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
        stale = _stale_note(frame.attrs, "Carbon Intensity")
        frame.attrs = {
            **frame.attrs,
            "source": "live",
            "coverage": cover,
            "note": "GB national carbon intensity" + (f". {stale}" if stale else ""),
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
        stale = _stale_note(frame.attrs, "Carbon Intensity")
        series.attrs = {
            **frame.attrs,
            "source": "live",
            "coverage": cover,
            "note": f"{region.name} regional carbon intensity (forecast)"
            + (f". {stale}" if stale else ""),
        }
        return series

    def lookup_postcode(self, postcode: str) -> str | None:
        """Region letter from Octopus grid-supply-points (None if unknown or unreachable)."""
        try:
            return self.octopus.grid_supply_point(postcode)
        except UpstreamError:
            return None
