"""GB Carbon Intensity API (National Grid ESO): forecasts, regional forecasts, history, mix.

Base URL: ``$CARBON_INTENSITY_API_URL`` or ``https://api.carbonintensity.org.uk/``. Regional
responses carry a forecast only (no actual). Ranges longer than 31 days are refused by the API,
so ``history`` and ``regional_history`` ask in chunks of at most 30 days. An ``actual`` of 0 or
null counts as missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import numpy as np
import pandas as pd
import requests

from flexcalc.sources import payloads
from flexcalc.sources.http import Freshness, UpstreamError, combine, get_json, make_session
from flexcalc.timeslots import SLOT, floor_slot, utc

DEFAULT_BASE_URL = "https://api.carbonintensity.org.uk/"
SERVICE = "Carbon Intensity"
CHUNK = pd.Timedelta(days=30)
HISTORY_EXPIRY = pd.Timedelta(days=30)
FALLBACK_SLOTS = 47  # on failure, accept a cached forecast asked up to ~24 h earlier


def _iso(ts: pd.Timestamp) -> str:
    return utc(ts).strftime("%Y-%m-%dT%H:%MZ")


@dataclass
class RegionalForecast:
    """48 h regional forecast: intensity per slot and the generation mix per slot."""

    carbon: pd.Series  # gCO2/kWh forecast, name "carbon"
    mix: pd.DataFrame  # % by fuel, one row per slot
    freshness: Freshness
    region_name: str = ""
    notes: list[str] = field(default_factory=list)


class CarbonIntensityClient:
    """Thin client for the endpoints Flexcalc needs."""

    def __init__(self, base_url: str | None = None, session: requests.Session | None = None):
        base = base_url or os.environ.get("CARBON_INTENSITY_API_URL") or DEFAULT_BASE_URL
        self.base_url = base if base.endswith("/") else base + "/"
        self.session = session if session is not None else make_session()

    def _url(self, path: str) -> str:
        return urljoin(self.base_url, path)

    def _get(self, path: str, **kwargs: Any) -> tuple[Any, Freshness]:
        return get_json(self.session, self._url(path), SERVICE, **kwargs)

    def _fallbacks(self, template: str, start: pd.Timestamp) -> list[tuple[str, None]]:
        return [
            (self._url(template.format(frm=_iso(start - k * SLOT))), None)
            for k in range(1, FALLBACK_SLOTS + 1)
        ]

    def national_forecast(self, start: pd.Timestamp) -> pd.DataFrame:
        """National ``forecast``/``actual`` for 48 h from the slot containing ``start``."""
        begin = floor_slot(start)
        template = "intensity/{frm}/fw48h"
        body, fresh = self._get(
            template.format(frm=_iso(begin)), fallbacks=self._fallbacks(template, begin)
        )
        frame = self._frame(body)
        frame = frame.loc[frame.index >= begin]
        frame.attrs = {"fetched_at": fresh.fetched_at, "stale": fresh.stale}
        return frame

    def regional_forecast(self, region_id: int, start: pd.Timestamp) -> RegionalForecast:
        """Regional forecast and generation mix for 48 h from the slot containing ``start``."""
        begin = floor_slot(start)
        template = "regional/intensity/{frm}/fw48h/regionid/" + str(int(region_id))
        body, fresh = self._get(
            template.format(frm=_iso(begin)), fallbacks=self._fallbacks(template, begin)
        )
        frame = self._frame(body)
        try:
            mix = payloads.generation_mix(body, what=f"{SERVICE} regional response")
        except ValueError as exc:
            raise UpstreamError(str(exc)) from None
        name = ""
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, list) and data and isinstance(data[0], dict):
            data = data[0]
        if isinstance(data, dict):
            name = str(data.get("shortname", ""))
        carbon = frame.loc[frame.index >= begin, "forecast"].dropna().rename("carbon")
        return RegionalForecast(carbon, mix.loc[mix.index >= begin], fresh, name)

    def history(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """National ``forecast`` and ``actual`` for UTC slots in [start, end), 30-day chunks."""
        return self._ranged("intensity/{frm}/{to}", start, end)

    def regional_history(
        self, region_id: int, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """One region's ``forecast`` for UTC slots in [start, end), 30-day chunks.

        ``/regional/intensity/{from}/{to}/regionid/{id}`` answers with ``data`` as an object
        (``regionid``, ``shortname``, ``data``: the slots). Regional data has no actual values,
        so the ``actual`` column is all NaN.
        """
        frame = self._ranged(
            "regional/intensity/{frm}/{to}/regionid/" + str(int(region_id)), start, end
        )
        frame["actual"] = np.nan
        return frame

    def _ranged(self, template: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        """Slots in [start, end) from a ``{frm}/{to}`` range endpoint, asked in 30-day chunks
        (the API refuses ranges over 31 days)."""
        start, end = floor_slot(start), floor_slot(end)
        frames: list[pd.DataFrame] = []
        seen: list[Freshness] = []
        old = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=2)
        chunk_start = start
        while chunk_start < end:
            chunk_end = min(chunk_start + CHUNK, end)
            # The API returns the slots whose *end* lies in [from, to].
            body, fresh = self._get(
                template.format(frm=_iso(chunk_start), to=_iso(chunk_end)),
                expire_after=HISTORY_EXPIRY if chunk_end < old else None,
            )
            frames.append(self._frame(body))
            seen.append(fresh)
            chunk_start = chunk_end
        if frames:
            frame = pd.concat(frames)
            frame = frame[~frame.index.duplicated(keep="last")].sort_index()
        else:
            frame = pd.DataFrame({"forecast": [], "actual": []}, dtype=float)
            frame.index = pd.DatetimeIndex([], tz="UTC")
        frame = frame.loc[(frame.index >= start) & (frame.index < end)].copy()
        total = combine(seen)
        frame.attrs = {"fetched_at": total.fetched_at, "stale": total.stale}
        return frame

    def generation_mix_now(self) -> dict[str, float]:
        """National generation mix of the current slot (fuel -> %)."""
        body, _ = self._get("generation")
        try:
            mix = payloads.generation_mix(body, what=f"{SERVICE} generation mix")
        except ValueError as exc:
            raise UpstreamError(str(exc)) from None
        return payloads.mix_at(mix, pd.Timestamp.now(tz="UTC"))

    @staticmethod
    def _frame(body: Any) -> pd.DataFrame:
        try:
            return payloads.carbon_frame(body, what=f"{SERVICE} response")
        except ValueError as exc:
            raise UpstreamError(str(exc)) from None
