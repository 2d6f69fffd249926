"""Footprints: data storage (Cloud Carbon Footprint coefficients) and energy at the evening peak
vs the best time of day.

Storage: a constant electrical load of ``TB x coefficient x replication x PUE`` where the
coefficient is Cloud Carbon Footprint's (HDD 0.65 Wh/TB·h, SSD 1.2 Wh/TB·h). Annual energy uses
8,760 h. Emissions multiply that load by each half-hour's grid intensity over a year of data;
because the load is flat this equals the annual kWh times the *time-averaged* intensity of that
year (slots without data are left out and the coverage is reported, never filled in). A static
published factor is shown beside it for comparison.

Peak vs best: the UK evening peak is 16:00-19:00 local time. The same energy spread evenly over
the peak is compared with the best contiguous window of equal length. Profiles average each local
half-hour of the day (Europe/London; on DST days the clock times repeat or skip and are averaged
as clock times), optionally by weekday/weekend or season (winter = Dec-Feb, spring = Mar-May,
summer = Jun-Aug, autumn = Sep-Nov); the best window may wrap past midnight.

Units: TB, Wh/TB·h, kW, kWh, gCO2/kWh, kgCO2, p/kWh, £.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flexcalc.timeslots import LONDON, SLOT, wall_time_utc
from flexcalc.windows import rolling_means

# Cloud Carbon Footprint storage coefficients, Wh per TB-hour.
CCF_WH_PER_TB_HOUR = {"hdd": 0.65, "ssd": 1.2}
HOURS_PER_YEAR = 8760
# UK Government GHG Conversion Factors 2024 (DESNZ), UK electricity, generation only
# (excludes transmission and distribution losses), kgCO2e/kWh.
STATIC_FACTOR_KG_PER_KWH = 0.20705
STATIC_FACTOR_SOURCE = "UK Government GHG conversion factors 2024, UK electricity (generation)"

PEAK = (dt.time(16, 0), dt.time(19, 0))
SEASONS = {
    12: "winter",
    1: "winter",
    2: "winter",
    3: "spring",
    4: "spring",
    5: "spring",
    6: "summer",
    7: "summer",
    8: "summer",
    9: "autumn",
    10: "autumn",
    11: "autumn",
}


def storage_power_kw(
    terabytes: float, media: str = "ssd", replication: int = 1, pue: float = 1.135
) -> float:
    """Constant electrical draw (kW) of ``terabytes`` stored ``replication`` times."""
    validate_storage(terabytes, media, replication, pue)
    return terabytes * CCF_WH_PER_TB_HOUR[media] * replication * pue / 1000


def validate_storage(terabytes: float, media: str, replication: int, pue: float) -> None:
    """Raise ``ValueError`` with a friendly message for impossible storage settings."""
    if not terabytes > 0:
        raise ValueError("The amount of storage must be positive, e.g. `50 TB`.")
    if media not in CCF_WH_PER_TB_HOUR:
        raise ValueError("Storage media must be ssd or hdd.")
    if replication < 1:
        raise ValueError("Replication must be at least 1 (one copy).")
    if not 1 <= pue <= 5:
        raise ValueError("PUE must be between 1.0 and 5 (typical data centres: 1.1-1.6).")


@dataclass(frozen=True)
class StorageFootprint:
    """Annual energy and emissions of stored data."""

    power_kw: float
    annual_kwh: float
    mean_intensity: float  # gCO2/kWh, time-weighted over the slots with data
    kg_half_hourly: float  # annual_kwh x mean of the half-hourly intensity
    kg_static: float  # annual_kwh x STATIC_FACTOR_KG_PER_KWH
    coverage: float  # share of the stated period's half-hours that had an intensity value
    start: pd.Timestamp  # UTC, start of the stated period (else the first slot with data)
    end: pd.Timestamp  # UTC, end of the stated period (exclusive)
    slot_kg: pd.Series  # kgCO2 per half-hour slot (for charts / CSV)

    @property
    def extrapolated(self) -> bool:
        """True when the annual figure rests on less than a whole year of half-hours."""
        return self.coverage < 0.999 or self.end - self.start < pd.Timedelta(days=365)


def storage_footprint(
    terabytes: float,
    intensity: pd.Series,
    media: str = "ssd",
    replication: int = 1,
    pue: float = 1.135,
    period: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> StorageFootprint:
    """Footprint of storage over ``period`` [start, end) UTC (default: from the first to the
    last slot of ``intensity``, gCO2/kWh on UTC half-hour slots). Coverage is the share of the
    period's half-hours with a value; the annual figure scales the mean of those to 8,760 h
    (``extrapolated`` says when that is from less than a whole year). Raises ``ValueError``
    if there is no intensity data in the period."""
    kw = storage_power_kw(terabytes, media, replication, pue)
    values = pd.to_numeric(intensity, errors="coerce").astype(float)
    values = values[values > 0]
    if period is not None:
        values = values[(values.index >= period[0]) & (values.index < period[1])]
    if values.empty:
        raise ValueError("There is no carbon-intensity data for that period.")
    start, end = period if period is not None else (values.index[0], values.index[-1] + SLOT)
    expected = int((end - start) / SLOT)
    annual_kwh = kw * HOURS_PER_YEAR
    mean = float(values.mean())
    return StorageFootprint(
        power_kw=kw,
        annual_kwh=annual_kwh,
        mean_intensity=mean,
        kg_half_hourly=annual_kwh * mean / 1000,
        kg_static=annual_kwh * STATIC_FACTOR_KG_PER_KWH,
        coverage=len(values) / expected,
        start=start,
        end=end,
        slot_kg=(kw * 0.5 * values / 1000).rename("kg"),
    )


# ---------------------------------------------------------------- peak vs best time of day


def half_hour_of_day(index: pd.DatetimeIndex) -> np.ndarray:
    """0..47: the local (UK) clock half-hour of each UTC slot start."""
    loc = index.tz_convert(LONDON)
    return np.asarray(loc.hour * 2 + loc.minute // 30)


def _groups(index: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    loc = index.tz_convert(LONDON)
    weekend = np.asarray(loc.day_of_week >= 5)
    season = np.asarray([SEASONS[m] for m in loc.month])
    out = {"all": np.ones(len(index), dtype=bool), "weekdays": ~weekend, "weekends": weekend}
    for name in ("winter", "spring", "summer", "autumn"):
        out[name] = season == name
    return out


def profiles(series: pd.Series) -> pd.DataFrame:
    """Mean value by local half-hour of day (rows "00:00".."23:30") for the groups all,
    weekdays, weekends, winter, spring, summer, autumn (columns). NaN values are ignored."""
    values = pd.to_numeric(series, errors="coerce").astype(float)
    hh = half_hour_of_day(values.index)
    out = {}
    for name, mask in _groups(values.index).items():
        out[name] = pd.Series(values.to_numpy()[mask]).groupby(hh[mask]).mean()
    frame = pd.DataFrame(out).reindex(range(48))
    frame.index = [f"{h // 2:02d}:{30 * (h % 2):02d}" for h in range(48)]
    return frame


def monthly_heatmap(series: pd.Series) -> pd.DataFrame:
    """Mean by month (rows 1..12 present in the data) x local half-hour of day (48 columns)."""
    values = pd.to_numeric(series, errors="coerce").astype(float)
    loc = values.index.tz_convert(LONDON)
    frame = pd.DataFrame(
        {"v": values.to_numpy(), "m": loc.month, "h": half_hour_of_day(values.index)}
    )
    return frame.pivot_table(index="m", columns="h", values="v", aggfunc="mean")


@dataclass(frozen=True)
class PeakComparison:
    """Mean value over the peak vs the best window of the same length, for one profile/day."""

    peak_mean: float
    best_mean: float
    best_start: str  # "HH:MM" (UK) for profiles, or the slot start for a dated series
    best_end: str

    def saving(self, kwh: float, per: float) -> float:
        """(peak - best) x kwh / per: per=1000 for kgCO2 from gCO2/kWh, 100 for £ from p/kWh."""
        return (self.peak_mean - self.best_mean) * kwh / per

    @property
    def saving_pct(self) -> float:
        return 100 * (self.peak_mean - self.best_mean) / self.peak_mean if self.peak_mean else 0.0


PEAK_SLOTS = 6  # 16:00-19:00


def profile_peak_vs_best(profile: pd.Series) -> PeakComparison | None:
    """Peak (16:00-19:00) mean of a 48-value half-hour-of-day profile vs the best 3-hour window
    of the day (may wrap past midnight; ties -> earliest). None if the peak has no data."""
    v = profile.to_numpy(dtype=float)
    if len(v) != 48 or np.isnan(v[32:38]).any():
        return None
    peak = float(v[32:38].mean())
    means = rolling_means(np.concatenate([v, v[: PEAK_SLOTS - 1]]), PEAK_SLOTS)
    if np.isnan(means).all():
        return None
    i = int(np.nanargmin(means))
    label = lambda k: f"{(k % 48) // 2:02d}:{30 * (k % 2):02d}"  # noqa: E731
    return PeakComparison(peak, float(means[i]), label(i), label(i + PEAK_SLOTS))


def day_peak_vs_best(series: pd.Series, day: dt.date) -> PeakComparison | None:
    """On one local day of a dated series: the 16:00-19:00 mean vs the best 3-hour window
    inside that day's known slots (no wrap). None if the peak or the window is incomplete."""
    values = pd.to_numeric(series, errors="coerce").astype(float).sort_index()
    local = values.index.tz_convert(LONDON)
    today = values[np.asarray(local.date == day)]
    if today.empty:
        return None
    grid = pd.date_range(today.index[0], today.index[-1], freq=SLOT)
    today = today.reindex(grid)
    peak_idx = pd.date_range(wall_time_utc(day, PEAK[0]), periods=PEAK_SLOTS, freq=SLOT)
    peak = today.reindex(peak_idx)
    if peak.isna().any():
        return None
    means = rolling_means(today.to_numpy(), PEAK_SLOTS)
    if means.size == 0 or np.isnan(means).all():
        return None
    i = int(np.nanargmin(means))
    fmt = lambda ts: ts.tz_convert(LONDON).strftime("%H:%M")  # noqa: E731
    return PeakComparison(
        float(peak.mean()), float(means[i]), fmt(grid[i]), fmt(grid[i] + PEAK_SLOTS * SLOT)
    )
