"""Per-region analysis cache: one forecast, one analysis and one chart per region and period,
reused for every channel of that region (the fan-out's scaling rule).

A daily digest is keyed by (region, local date, local hour of the first post), so channels
alerted at 08:00 and 08:30 share it while a 17:00 alert is not shown windows that have passed.
Tomorrow's digest is keyed by (region, tomorrow's date). Old days are dropped as the date moves.
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
from flexcalc.reply import Reply
from flexcalc.sources.base import Forecast
from flexcalc.timeslots import LONDON

_RENDER_LOCK = threading.Lock()


@dataclass
class Digest:
    """One region's analysis for one period, rendered lazily and only once."""

    forecast: Forecast
    tomorrow: bool
    owner: Digests
    _replies: dict[tuple[pd.Timedelta, ...], Reply] = field(default_factory=dict)
    _chart: Chart | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def reply(self, durations: Sequence[pd.Timedelta]) -> Reply:
        key = tuple(sorted(set(durations)))
        with self._lock:
            if key not in self._replies:
                self.owner.count("analyses")
                self._replies[key] = daily.daily_alert(
                    self.forecast, key, tomorrow=self.tomorrow, charts=False
                )
            return self._replies[key]

    def chart(self) -> Chart:
        with self._lock:
            if self._chart is None:
                with _RENDER_LOCK:  # one matplotlib render at a time, whatever the region
                    png = daily.daily_chart(self.forecast, self.tomorrow)
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
        self._forecasts: dict[tuple[str, pd.Timestamp], Forecast] = {}
        self._lock = threading.Lock()
        self._counter_lock = threading.Lock()

    def count(self, counter: str) -> None:
        with self._counter_lock:
            setattr(self, counter, getattr(self, counter) + 1)

    def forecast(self, letter: str, now: pd.Timestamp) -> Forecast:
        """The region's forecast as of this tick (fetched once per region per tick)."""
        key = (letter, now)
        with self._lock:
            if key not in self._forecasts:
                self._forecasts = {k: v for k, v in self._forecasts.items() if k[1] == now}
                self.forecasts += 1
                self._forecasts[key] = self.provider.forecast(regions.by_letter(letter), now)
            return self._forecasts[key]

    def daily(self, letter: str, now: pd.Timestamp, tomorrow: bool = False) -> Digest:
        here = now.tz_convert(LONDON)
        key = (letter, tomorrow, here.date(), None if tomorrow else here.hour)
        with self._lock:
            self._drop_before(here.date() - timedelta(days=1))
            digest = self._digests.get(key)
        if digest is None:
            digest = Digest(self.forecast(letter, now), tomorrow, self)
            with self._lock:
                digest = self._digests.setdefault(key, digest)
        return digest

    def _drop_before(self, day: date) -> None:
        self._digests = {k: v for k, v in self._digests.items() if k[2] >= day}

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
