"""Footprints: storage energy and emissions, peak vs best time of day, DST, the answers."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from flexcalc import footprint as fp
from flexcalc.commands.answer_footprint import answer_footprint_energy, answer_footprint_storage
from flexcalc.commands.requests import Context, FootprintEnergyRequest, FootprintStorageRequest
from tests.test_backtest import HistoryProvider, national_carbon, region, region_c_prices
from tests.test_battery import ReplayProvider


def intensity(start: str, end: str) -> pd.Series:
    c = national_carbon().loc[start:end]
    return c["actual"].where(c["actual"] > 0).combine_first(c["forecast"])


def test_storage_power_and_annual_energy_follow_ccf():
    assert fp.storage_power_kw(50, "ssd", 3, 1.4) == pytest.approx(50 * 1.2 * 3 * 1.4 / 1000)
    assert fp.storage_power_kw(10, "hdd", 1, 1.0) == pytest.approx(0.0065)
    year = intensity("2023-01-01", "2023-12-31")
    result = fp.storage_footprint(50, year, "ssd", 3, 1.4)
    assert result.annual_kwh == pytest.approx(0.252 * 8760)
    assert result.kg_static == pytest.approx(0.252 * 8760 * 0.20705)


def test_storage_emissions_match_a_row_by_row_sum_and_report_coverage():
    # Independent: read the CSV rows, take actual (0/blank = missing) else forecast.
    year = national_carbon().loc["2023-01-01":"2023-12-31"]
    values = []
    for f, a in zip(year["forecast"], year["actual"], strict=True):
        v = a if (not math.isnan(a) and a > 0) else f
        if not math.isnan(v) and v > 0:
            values.append(v)
    result = fp.storage_footprint(20, intensity("2023-01-01", "2023-12-31"), "hdd", 2, 1.2)
    kw = 20 * 0.65 * 2 * 1.2 / 1000
    assert result.kg_half_hourly == pytest.approx(kw * 8760 * sum(values) / len(values) / 1000)
    # 2023 has a 91-slot gap in October: 17,520 half-hours expected.
    assert result.coverage == pytest.approx(len(values) / 17520)
    assert result.coverage < 1
    assert result.slot_kg.sum() == pytest.approx(kw * 0.5 * sum(values) / 1000)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-5, "ssd", 1, 1.2), "must be positive"),
        ((5, "tape", 1, 1.2), "ssd or hdd"),
        ((5, "ssd", 0, 1.2), "Replication"),
        ((5, "ssd", 1, 0.5), "PUE"),
    ],
)
def test_bad_storage_input(args, message):
    with pytest.raises(ValueError, match=message):
        fp.storage_power_kw(*args)


def test_profiles_and_peak_vs_best_hand_checked():
    idx = pd.date_range("2024-01-08 00:00", periods=48 * 7, freq="30min", tz="UTC")  # Mon-Sun, GMT
    hour = idx.hour + idx.minute / 60
    weekend = idx.day_of_week >= 5
    values = pd.Series(np.where(weekend, 100.0, 200.0) + 10 * hour, index=idx)
    prof = fp.profiles(values)
    assert prof.loc["16:00", "weekdays"] == 360 and prof.loc["16:00", "weekends"] == 260
    assert prof.loc["16:00", "all"] == pytest.approx((5 * 360 + 2 * 260) / 7)
    assert prof.loc["16:00", "winter"] == prof.loc["16:00", "all"]
    assert prof["summer"].isna().all()
    c = fp.profile_peak_vs_best(prof["weekdays"])
    assert c.peak_mean == pytest.approx(200 + 10 * 17.25)
    assert (c.best_start, c.best_end) == ("00:00", "03:00")
    assert c.saving(10, 1000) == pytest.approx((c.peak_mean - c.best_mean) * 10 / 1000)


def test_best_window_may_wrap_past_midnight():
    profile = pd.Series([100.0] * 48)
    profile.iloc[[46, 47, 0, 1, 2, 3]] = 10.0  # 23:00-02:00
    c = fp.profile_peak_vs_best(profile)
    assert (c.best_start, c.best_end, c.best_mean) == ("23:00", "02:00", 10.0)


def test_dst_days_map_to_uk_clock_half_hours():
    autumn = pd.date_range("2023-10-28 23:00", periods=50, freq="30min", tz="UTC")
    hh = fp.half_hour_of_day(autumn)
    assert len(hh) == 50 and sorted(set(hh)) == list(range(48))
    assert list(hh).count(2) == 2 and list(hh).count(3) == 2  # 01:00 and 01:30 happen twice
    spring = pd.date_range("2023-03-26 00:00", periods=46, freq="30min", tz="UTC")
    assert 2 not in fp.half_hour_of_day(spring) and 3 not in fp.half_hour_of_day(spring)
    # The peak on the 46-slot day is still 16:00-19:00 BST (15:00-18:00 UTC).
    series = intensity("2023-03-25 23:00", "2023-03-27 00:00")
    c = fp.day_peak_vs_best(series, dt.date(2023, 3, 26))
    expect = series.loc["2023-03-26 15:00":"2023-03-26 17:30"].mean()
    assert c.peak_mean == pytest.approx(expect)


def test_day_peak_vs_best_against_brute_force():
    series = intensity("2023-06-13 23:00", "2023-06-14 22:30")  # Wed 14 June 2023, BST
    c = fp.day_peak_vs_best(series, dt.date(2023, 6, 14))
    vals = list(series)
    means = [sum(vals[i : i + 6]) / 6 for i in range(len(vals) - 5)]
    best = min(range(len(means)), key=lambda i: (means[i], i))
    assert c.best_mean == pytest.approx(means[best])
    assert c.best_start == (series.index[best] + pd.Timedelta(hours=1)).strftime("%H:%M")
    assert c.peak_mean == pytest.approx(sum(vals[32:38]) / 6)


def test_missing_peak_is_not_filled():
    series = intensity("2023-06-13 23:00", "2023-06-14 22:30").drop(
        pd.Timestamp("2023-06-14 16:00", tz="UTC")
    )
    assert fp.day_peak_vs_best(series, dt.date(2023, 6, 14)) is None


def ctx(provider, now="2023-06-10T10:00Z", **kw) -> Context:
    return Context(provider, region("C"), now=pd.Timestamp(now), **kw)


def test_answer_energy_today_and_history():
    provider = ReplayProvider(region_c_prices(), national_carbon())
    reply = answer_footprint_energy(FootprintEnergyRequest(10), ctx(provider))
    assert not reply.is_error
    assert reply.summary.startswith("Sat 10 Jun: 10 kWh at the 16:00–19:00 peak would emit")
    assert "a year" in reply.summary
    # The history starts 25 Nov 2022: 197 of the year's 365 days, so no "Whole year" label.
    labels = [row[0] for row in reply.table.rows][:3]
    assert labels == ["All data (54% of the year)", "Weekdays", "Weekends"]
    assert "extrapolated to a year from the 54.0% of its half-hours with data" in reply.summary
    assert len(reply.table.rows) == 7
    assert reply.chart_png.startswith(b"\x89PNG")
    profiles = pd.read_csv(pd.io.common.StringIO(reply.csv["footprint_profiles.csv"]))
    assert len(profiles) == 48 and "carbon_winter" in profiles and "price_all" in profiles


def test_answer_storage_national_data_says_so():
    provider = HistoryProvider(region_c_prices(), national_carbon())
    req = FootprintStorageRequest(50, "ssd", 3, 1.4, region=region("B"))
    reply = answer_footprint_storage(req, ctx(provider, charts=False))
    assert "GB national (no regional data here)" in reply.summary
    assert any("national carbon intensity only" in n for n in reply.notes)
    assert reply.data["annual_kwh"] == pytest.approx(0.252 * 8760)
    assert reply.data["regional"] is False


class RegionalProvider(HistoryProvider):
    """Each region's carbon is the national series scaled by a per-region factor."""

    def carbon_history(self, region, start, end):
        scale = 0.5 + (ord(region.letter) - ord("A")) / 10  # A cleanest ... P dirtiest
        return super().carbon_history(region, start, end) * scale


def test_answer_storage_names_cleanest_and_dirtiest_region():
    provider = RegionalProvider(region_c_prices(), national_carbon())
    reply = answer_footprint_storage(FootprintStorageRequest(10, "hdd"), ctx(provider))
    fields = {f.label: f.value for f in reply.fields}
    assert fields["Cleanest region"].startswith("Eastern:")
    assert fields["Dirtiest region"].startswith("North Scotland")
    assert reply.chart_png.startswith(b"\x89PNG")
    assert "storage_monthly.csv" in reply.csv


def test_answers_without_history_say_so():
    provider = HistoryProvider(region_c_prices(), national_carbon())
    with pytest.raises(ValueError, match="no carbon-intensity history"):
        answer_footprint_storage(FootprintStorageRequest(10), ctx(provider, "2030-01-01T00:00Z"))
    with pytest.raises(ValueError, match="energy must be positive"):
        answer_footprint_energy(FootprintEnergyRequest(-1), ctx(provider))


class CountingProvider(HistoryProvider):
    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.regions: list[str] = []

    def carbon_history(self, region, start, end):
        self.regions.append(region.letter)
        return super().carbon_history(region, start, end)


def test_national_only_data_is_detected_with_one_extra_fetch():
    provider = CountingProvider(region_c_prices(), national_carbon())
    answer_footprint_storage(FootprintStorageRequest(10), ctx(provider, charts=False))
    assert set(provider.regions) == {"C", "A"}  # home region (chunked) + one other, not all 14
