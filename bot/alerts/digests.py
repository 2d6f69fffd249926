"""Per-region analysis cache: one forecast, one analysis and one chart per region, tariff and
period, reused for every channel of that region on that tariff (the fan-out's scaling rule).

A daily digest is keyed by (region, tariff, local date, local hour of the first post), so
channels alerted at 08:00 and 08:30 share it while a 17:00 alert is not shown windows that have
passed. Tomorrow's digest is keyed by (region, tariff, tomorrow's date). Old days are dropped as
the date moves. A digest on a forecastable tariff (Agile import) adds forecast prices past
publication to the daily alert, and says how the day-ahead forecast did in tomorrow's.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from bot.destinations.port import Chart
from bot.storage.answers import new_token, save_answer
from flexcalc import daily, regions
from flexcalc.alert_pricing import AlertPricing, alert_pricing
from flexcalc.commands.forecast_slots import WithForecast, with_forecast
from flexcalc.forecast_review import ForecastReview, review_forecast
from flexcalc.reply import Reply
from flexcalc.sources.base import Forecast
from flexcalc.tariffs.spec import TariffChoice
from flexcalc.timeslots import LONDON

_RENDER_LOCK = threading.Lock()


@dataclass
class Digest:
    """One region's analysis on one tariff for one period, rendered lazily and only once."""

    forecast: Forecast
    tomorrow: bool
    owner: Digests
    pricing: AlertPricing
    _replies: dict[tuple[pd.Timedelta, ...], Reply] = field(default_factory=dict)
    _chart: Chart | None = None
    _looked_ahead: tuple[WithForecast | None, ForecastReview | None] | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def _ahead(self) -> tuple[WithForecast | None, ForecastReview | None]:
        """Forecast prices past publication (daily) or the forecast's review (tomorrow), once."""
        with self._lock:
            if self._looked_ahead is None:
                ahead = review = None
                start, end = daily.alert_span(self.forecast.now, self.tomorrow)
                if self.pricing.forecast and not self.tomorrow:
                    ahead = with_forecast(self.forecast, self.pricing.provider, end)
                elif self.pricing.forecast:
                    review = review_forecast(self.forecast, self.pricing.provider, start, end)
                self._looked_ahead = (ahead, review)
            return self._looked_ahead

    def reply(self, durations: Sequence[pd.Timedelta]) -> Reply:
        key = tuple(sorted(set(durations)))
        with self._lock:
            if key not in self._replies:
                self.owner.count("analyses")
                ahead, review = self._ahead()
                self._replies[key] = daily.daily_alert(
                    ahead.forecast if ahead is not None else self.forecast,
                    key,
                    tomorrow=self.tomorrow,
                    charts=False,
                    export=self.pricing.export,
                    ahead=ahead,
                    review=review,
                )
            return self._replies[key]

    def chart(self) -> Chart:
        with self._lock:
            if self._chart is None:
                ahead, _ = self._ahead()
                forecast = ahead.forecast if ahead is not None else self.forecast
                with _RENDER_LOCK:  # one matplotlib render at a time, whatever the region
                    png = daily.daily_chart(
                        forecast, self.tomorrow, export=self.pricing.export, ahead=ahead
                    )
                self.owner.count("chart_renders")
                title = self.reply(()).title
                url = self.owner.publish_chart(png, title)
                self._chart = Chart(url=url, png=png, title=title)
            return self._chart


class Digests:
    """The clock's cache of region digests and forecasts, with counters for the bench."""

    def __init__(
        self,
        provider: Any,
        *,
        engine: Engine | None = None,
        public_base_url: str | None = None,
    ) -> None:
        self.provider = provider
        self.engine = engine
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self.chart_renders = 0
        self.analyses = 0
        self.forecasts = 0
        self._digests: dict[tuple, Digest] = {}
        self._forecasts: dict[tuple[str, str, pd.Timestamp], Forecast] = {}
        self._pricings: dict[tuple[str, pd.Timestamp], AlertPricing] = {}
        self._lock = threading.Lock()
        self._counter_lock = threading.Lock()

    def count(self, counter: str) -> None:
        with self._counter_lock:
            setattr(self, counter, getattr(self, counter) + 1)

    def pricing(self, choice: TariffChoice | None, now: pd.Timestamp) -> AlertPricing:
        """How alerts on ``choice`` are priced (resolved once per tariff per tick); raises
        ``DataUnavailable`` when the tariff can't be priced now (the alert is retried)."""
        key = ("" if choice is None else choice.text(), now)
        with self._lock:
            found = self._pricings.get(key)
        if found is None:
            found = alert_pricing(self.provider, choice)
            with self._lock:
                self._pricings = {k: v for k, v in self._pricings.items() if k[1] == now}
                found = self._pricings.setdefault(key, found)
        return found

    def forecast(
        self, letter: str, now: pd.Timestamp, choice: TariffChoice | None = None
    ) -> Forecast:
        """The region's forecast on the tariff as of this tick (fetched once per region and
        tariff per tick)."""
        pricing = self.pricing(choice, now)
        key = (letter, pricing.key, now)
        with self._lock:
            if key not in self._forecasts:
                self._forecasts = {k: v for k, v in self._forecasts.items() if k[2] == now}
                self.forecasts += 1
                self._forecasts[key] = pricing.provider.forecast(regions.by_letter(letter), now)
            return self._forecasts[key]

    def daily(
        self,
        letter: str,
        now: pd.Timestamp,
        tomorrow: bool = False,
        choice: TariffChoice | None = None,
    ) -> Digest:
        here = now.tz_convert(LONDON)
        pricing = self.pricing(choice, now)
        key = (here.date(), letter, pricing.key, tomorrow, None if tomorrow else here.hour)
        with self._lock:
            self._drop_before(here.date() - timedelta(days=1))
            digest = self._digests.get(key)
        if digest is None:
            digest = Digest(self.forecast(letter, now, choice), tomorrow, self, pricing)
            with self._lock:
                digest = self._digests.setdefault(key, digest)
        return digest

    def _drop_before(self, day: date) -> None:
        self._digests = {k: v for k, v in self._digests.items() if k[0] >= day}

    def publish_chart(self, png: bytes, title: str) -> str | None:
        """A public chart link (PUBLIC_BASE_URL + saved answer), or None to upload instead."""
        if not (self.public_base_url and self.engine is not None):
            return None

        token = new_token()
        save_answer(
            self.engine,
            token=token,
            team_id="",
            command="alerts",
            text=title,
            blocks=[],
            chart_png=png,
            chart_title=title,
            ttl=timedelta(days=3),
        )
        return f"{self.public_base_url}/charts/{token}.png"
