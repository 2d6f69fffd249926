"""The metric a user's files lack (prices with only a carbon file, or the reverse).

``MissingMetric`` fills it from data that covers the very instant or period asked about: the
bundled sample first (offline and reproducible; its prices are region C only, its carbon GB
national), then live data (unless offline), else nothing, said as "n/a" by the caller. It never
stands in another day's or another region's data, and every part carries a note naming where it
came from.
"""

from __future__ import annotations

import pandas as pd

from flexcalc.regions import Region
from flexcalc.sources.base import DataUnavailable
from flexcalc.sources.horizon import carbon_horizon_end, price_horizon_end, upcoming
from flexcalc.sources.live import CARBON, PRICES, ForecastPart, LiveProvider
from flexcalc.sources.sample import SAMPLE_REGION, SampleProvider, sample_carbon, sample_prices
from flexcalc.timeslots import fmt_day_time, utc

SLOT = pd.Timedelta(minutes=30)
WHAT = {PRICES: "prices", CARBON: "carbon"}


def _empty(name: str) -> pd.Series:
    return pd.Series([], dtype=float, index=pd.DatetimeIndex([], tz="UTC"), name=name)


class MissingMetric:
    """Sample where it covers, else live (``live=None``: offline), for a file's missing metric."""

    source = "fallback"

    def __init__(self, live: LiveProvider | None, sample: SampleProvider | None = None) -> None:
        self.live = live
        self.sample = sample or SampleProvider()

    def _sample_series(self, kind: str, region: Region) -> pd.Series | None:
        """The sample's series for ``kind`` in ``region``, None when it has none there (its
        London prices never stand in for another region, nor for an unstated one)."""
        if kind == CARBON:
            return sample_carbon().frame["forecast"].dropna()
        if region.letter == SAMPLE_REGION and type(region) is Region:
            return sample_prices().prices
        return None

    def _sample_covers(self, kind: str, region: Region, start, end) -> bool:
        series = self._sample_series(kind, region)
        if series is None or series.empty:
            return False
        return series.index[0] <= utc(start) and utc(end) - SLOT <= series.index[-1]

    def forecast_part(self, kind: str, region: Region, now: pd.Timestamp) -> ForecastPart:
        """``kind``'s series from the slot of ``now`` on, with notes saying its source."""
        now = utc(now)
        what = WHAT[kind]
        end = price_horizon_end(now) if kind == PRICES else carbon_horizon_end(now)
        if self._sample_covers(kind, region, now, now + SLOT):
            series = upcoming(self._sample_series(kind, region), now, end)  # type: ignore[arg-type]
            return ForecastPart(series, [f"No {what} file: {what} from the bundled sample."])
        if self.live is not None:
            fetch = self.live.prices_part if kind == PRICES else self.live.carbon_part
            part = fetch(region, now)
            if part.error is None and not part.series.empty:
                part.notes.insert(0, f"No {what} file: live {what}.")
                return part
        return ForecastPart(_empty(kind), [self._none_note(what, fmt_day_time(now))])

    def _none_note(self, what: str, when: str) -> str:
        if self.live is None:
            return f"No {what} file, and the bundled sample does not cover {when}: {what} n/a."
        return (
            f"No {what} file, and neither the bundled sample nor live data cover {when}: "
            f"{what} n/a."
        )

    def price_history(self, region: Region, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
        """Prices for [start, end): the sample's if it covers the whole period, else live."""
        part = self._history(PRICES, region, start, end)
        return part.rename("price")

    def carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """GB national carbon (forecast, actual) for [start, end), as ``price_history``."""
        return self._history(CARBON, region, start, end)

    def _history(self, kind: str, region: Region, start: pd.Timestamp, end: pd.Timestamp):
        what = WHAT[kind]
        if self._sample_covers(kind, region, start, end):
            fetch = self.sample.price_history if kind == PRICES else self.sample.carbon_history
            part = fetch(region, start, end)
            part.attrs["note"] = f"No {what} file: {what} from the bundled sample."
            return part
        if self.live is not None:
            fetch = self.live.price_history if kind == PRICES else self.live.carbon_history
            try:
                part = fetch(region, start, end)
            except DataUnavailable as exc:
                part = None
                reason = f" ({exc})"
            else:
                reason = ""
            if part is not None and len(part):
                note = part.attrs.get("note", "")
                part.attrs["note"] = f"No {what} file: live {what}. {note}".strip()
                return part
        else:
            reason = ""
        empty = (
            _empty("price")
            if kind == PRICES
            else pd.DataFrame(
                {"forecast": [], "actual": []}, index=pd.DatetimeIndex([], tz="UTC"), dtype=float
            )
        )
        empty.attrs = {"source": "file", "note": self._none_note(what, "that period") + reason}
        return empty

    def regional_carbon_history(
        self, region: Region, start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.Series | None:
        """Live regional history when online; None offline (the sample is national only)."""
        if self.live is None:
            return None
        try:
            return self.live.regional_carbon_history(region, start, end)
        except DataUnavailable:
            return None

    def lookup_postcode(self, postcode: str) -> str | None:
        found = self.sample.lookup_postcode(postcode)
        if found is None and self.live is not None:
            return self.live.lookup_postcode(postcode)
        return found
