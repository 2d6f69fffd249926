"""Best windows, split slots, objectives and savings, checked against an independent brute force."""

from __future__ import annotations

import math
from datetime import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flexcalc.sources.csv_files import read_prices
from flexcalc.timeslots import local_day_slots
from flexcalc.windows import (
    Comparison,
    Window,
    best_start,
    best_starts,
    best_window,
    candidate_slots,
    compare,
    coverage_text,
    implied_cost_per_tonne,
    rolling_means,
    window_at,
)

SHARED = Path(__file__).resolve().parent / "fixtures" / "history"
AGILE_C = (
    SHARED / "agile" / "electricity_costs_octopus_AGILE-FLEX-22-11-25_C_2022-11-25_2023-12-11.csv"
)
SLOT = pd.Timedelta(minutes=30)


def utc_slots(start: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start, tz="UTC"), periods=n, freq="30min")


def frame(prices, carbon=None, start: str = "2024-01-10 00:00") -> pd.DataFrame:
    idx = utc_slots(start, len(prices))
    data = {"price": np.asarray(prices, dtype=float)}
    if carbon is not None:
        data["carbon"] = np.asarray(carbon, dtype=float)
    return pd.DataFrame(data, index=idx)


@pytest.fixture(scope="module")
def agile_c() -> pd.DataFrame:
    """Real region-C Agile prices 2022-11-25 .. 2023-12-11 (UTC slot starts), read with the
    project's CSV reader from the vendored fixture (tests/fixtures/PROVENANCE-shared-data.md)."""
    prices = read_prices(AGILE_C).prices
    return prices.loc[:"2023-12-11"].to_frame("price")


# ---- independent brute force -------------------------------------------------------------


def brute_best(df: pd.DataFrame, column: str, k: int, highest: bool = False):
    """Try every start: k consecutive half-hours all present with a value. Earliest wins ties."""
    series = df[column]
    best_start_ts, best_mean = None, None
    for ts in df.index:
        values = []
        for j in range(k):
            slot = ts + j * SLOT
            if slot not in series.index or math.isnan(series[slot]):
                break
            values.append(series[slot])
        if len(values) < k:
            continue
        mean = math.fsum(values) / k
        better = best_mean is None or (mean > best_mean if highest else mean < best_mean)
        if better:
            best_start_ts, best_mean = ts, mean
    return best_start_ts, best_mean


def random_gappy_frame(seed: int, n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = frame(rng.normal(15, 10, n), rng.normal(180, 60, n))
    df = df.drop(df.index[rng.choice(n, size=8, replace=False)])  # missing slots
    df.loc[df.index[rng.choice(len(df), size=5, replace=False)], "price"] = np.nan
    df.loc[df.index[rng.choice(len(df), size=5, replace=False)], "carbon"] = np.nan
    return df


# ---- rolling_means / best_start -----------------------------------------------------------


def test_rolling_means_match_brute_force_including_nan() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(10, 20, 50)
    values[[7, 30]] = np.nan
    for k in (1, 2, 5, 24):
        got = rolling_means(values, k)
        assert len(got) == len(values) - k + 1
        for i, value in enumerate(got):
            run = values[i : i + k]
            if np.isnan(run).any():
                assert np.isnan(value)
            else:
                assert value == pytest.approx(math.fsum(run) / k, abs=1e-9)


def test_rolling_means_shorter_than_k_is_empty() -> None:
    assert rolling_means(np.array([1.0, 2.0]), 3).size == 0
    assert best_start(np.array([1.0, 2.0]), 3) is None


def test_best_start_ties_go_to_earliest() -> None:
    values = np.array([5, 1, 2, 1, 2, 9, 1, 2], dtype=float)  # runs of 2: 3 ties at mean 1.5
    assert best_start(values, 2) == 1
    assert best_start(np.array([3.0, 3.0, 3.0, 3.0]), 2) == 0
    assert best_start(np.array([1.0, 9.0, 1.0, 9.0, 0.0]), 2, highest=True) == 0


def test_best_start_ties_survive_cumulative_sum_rounding() -> None:
    # 0.1 + 0.2 and 0.2 + 0.1 are equal runs; cumulative sums make them differ by ~1e-16.
    values = np.array([50.7, 0.1, 0.2, 0.1, 0.3, 33.3, 0.2, 0.1])
    assert best_start(values, 2) == 1


def test_best_start_skips_runs_touching_nan() -> None:
    values = np.array([0.0, np.nan, 0.0, 5.0, 6.0, 7.0])
    assert best_start(values, 2) == 2  # (0, 5): the runs with the NaN do not count
    assert best_start(np.array([np.nan, 1.0, np.nan]), 2) is None


# ---- best_window ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("column", ["price", "carbon"])
def test_best_window_matches_brute_force_on_gappy_data(seed: int, column: str) -> None:
    df = random_gappy_frame(seed)
    for k in (1, 3, 8):
        for highest in (False, True):
            want_start, want_mean = brute_best(df, column, k, highest)
            got = best_window(df, k, column, highest=highest)
            assert got is not None
            assert got.start == want_start
            assert got.end == want_start + k * SLOT
            assert len(got.slots) == k and got.duration == k * SLOT
            got_mean = got.price if column == "price" else got.carbon
            assert got_mean == pytest.approx(want_mean)


def test_best_window_ties_go_to_earliest_start() -> None:
    df = frame([9, 2, 2, 9, 2, 2, 9, 2, 2])
    assert best_window(df, 2).start == df.index[1]
    assert best_window(df, 1, highest=True).start == df.index[0]


def test_window_never_spans_a_missing_slot() -> None:
    df = frame([50, 50, 1, 1, 1, 1, 50, 5, 5, 5, 50])
    df = df.drop(df.index[4])  # the cheap run 1,1,1,1 is broken in the middle
    got = best_window(df, 3)
    assert got.slots.equals(utc_slots("2024-01-10 03:30", 3))  # 5, 5, 5
    assert got.price == pytest.approx(5)
    assert all(s in df.index for s in got.slots)


def test_window_never_spans_nan_in_the_objective() -> None:
    df = frame([1, 1, np.nan, 1, 1, 6, 6, 6], carbon=[50] * 8)
    got = best_window(df, 3)
    assert got.start == df.index[3] and got.price == pytest.approx(8 / 3)
    # The carbon objective does not care about a missing price, but the price is then unknown.
    green = best_window(df, 3, "carbon")
    assert green.start == df.index[0] and green.price is None and green.carbon == 50


def test_window_never_reaches_past_the_last_known_slot() -> None:
    df = frame([9, 8, 7, 6, 5, 4, 3])  # cheapest at the very end
    got = best_window(df, 3)
    assert got.end == df.index[-1] + SLOT
    assert got.price == pytest.approx(4)
    assert best_window(df, 8) is None  # longer than the data


def test_no_window_fits_returns_none() -> None:
    df = frame([1, 1, np.nan, 1, 1])
    assert best_window(df, 3) is None
    assert best_window(df.iloc[0:0], 1) is None
    assert best_window(df, 3, "carbon") is None  # no carbon column at all


def test_negative_prices_are_the_best_and_pay_you() -> None:
    df = frame([12.0, -3.5, -8.25, -1.0, 4.0, 20.0])
    got = best_window(df, 2)
    assert got.start == df.index[1]
    assert got.price == pytest.approx(-5.875)
    assert got.cost_gbp(10) == pytest.approx(-0.5875)
    assert best_window(frame([-5.0, -9.0, -7.0, -1.0]), 2).price == pytest.approx(-8.0)


def test_split_picks_the_k_cheapest_slots_sorted_by_time() -> None:
    prices = [30, 4, 25, 1, 22, 3, 18, 2, 40]
    df = frame(prices, carbon=[100] * len(prices))
    got = best_window(df, 4, split=True)
    assert list(got.slots) == [df.index[i] for i in (1, 3, 5, 7)]
    assert got.price == pytest.approx((4 + 1 + 3 + 2) / 4)
    assert got.duration == pd.Timedelta(hours=2)
    assert got.start == df.index[1] and got.end == df.index[7] + SLOT
    assert not got.is_contiguous
    worst = best_window(df, 2, split=True, highest=True)
    assert list(worst.slots) == [df.index[0], df.index[8]]


def test_split_ties_go_to_earliest_and_skip_missing() -> None:
    df = frame([5, 1, np.nan, 1, 1, 7])
    got = best_window(df, 2, split=True)
    assert list(got.slots) == [df.index[1], df.index[3]]
    assert best_window(df, 6, split=True) is None  # only 5 known slots


def test_split_is_never_worse_than_contiguous_on_real_data(agile_c: pd.DataFrame) -> None:
    day = agile_c.loc["2023-06-01":"2023-06-02"]
    for k in (2, 6, 12):
        contiguous, split = best_window(day, k), best_window(day, k, split=True)
        assert split.price <= contiguous.price + 1e-12
        expected = np.sort(day["price"].to_numpy())[:k].mean()
        assert split.price == pytest.approx(expected)


def test_balanced_objective_trades_price_against_carbon() -> None:
    #            cheap/dirty  middle   green/dear
    prices = [0.0, 0.0, 6.0, 6.0, 10.0, 10.0]
    carbon = [300, 300, 120, 120, 100, 100]
    df = frame(prices, carbon)
    assert best_window(df, 2, "price").start == df.index[0]
    assert best_window(df, 2, "carbon").start == df.index[4]
    balanced = best_window(df, 2, "balanced")
    # normalised: price 0.6 + carbon 0.1 = 0.7 beats 1.0 at either end
    assert balanced.start == df.index[2]
    assert (balanced.price, balanced.carbon) == (6.0, 120.0)


def test_balanced_needs_both_columns() -> None:
    df = frame([1, 2, 3, 4], carbon=[np.nan, 100, 100, 100])
    got = best_window(df, 2, "balanced")
    assert got.start == df.index[1]
    assert best_window(frame([1, 2, 3]), 1, "balanced") is None
    with pytest.raises(ValueError, match="objective"):
        best_window(df, 2, "cheapest")


# ---- DST -------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "slots"), [("2023-03-26", 46), ("2023-10-29", 50)])
def test_dst_days_have_46_or_50_slots_and_whole_day_windows(
    agile_c: pd.DataFrame, day: str, slots: int
) -> None:
    start = pd.Timestamp(day).tz_localize("Europe/London")
    end = (pd.Timestamp(day) + pd.Timedelta(days=1)).tz_localize("Europe/London")
    today = candidate_slots(agile_c, start, end)
    assert len(today) == slots
    assert today.index.equals(local_day_slots(day))
    whole = best_window(today, slots)
    assert whole.start == start.tz_convert("UTC") and whole.end == end.tz_convert("UTC")
    assert whole.price == pytest.approx(today["price"].mean())
    assert best_window(today, slots + 1) is None
    for k in (4, 8):
        want_start, want_mean = brute_best(today, "price", k)
        got = best_window(today, k)
        assert (got.start, got.price) == (want_start, pytest.approx(want_mean))


def test_window_across_the_autumn_change_counts_real_half_hours() -> None:
    # 2023-10-29: 01:00-02:00 happens twice in UK time; 00:00 BST = 23:00 UTC.
    df = frame([9] * 2 + [1] * 6 + [9] * 4, start="2023-10-28 23:00")
    got = best_window(df, 6)
    assert got.duration == pd.Timedelta(hours=3)
    local = got.start.tz_convert("Europe/London"), got.end.tz_convert("Europe/London")
    assert (local[0].strftime("%H:%M"), local[1].strftime("%H:%M")) == ("01:00", "03:00")


# ---- candidate_slots / between ------------------------------------------------------------


def night_count(df: pd.DataFrame, evening: str) -> int:
    start = pd.Timestamp(evening + " 12:00").tz_localize("Europe/London")
    return len(candidate_slots(df, start, start + pd.Timedelta(hours=24), (time(22), time(7))))


def test_between_crossing_midnight_counts_dst_nights(agile_c: pd.DataFrame) -> None:
    assert night_count(agile_c, "2023-03-20") == 18  # 9 h
    assert night_count(agile_c, "2023-03-25") == 16  # clocks go forward: 8 h
    assert night_count(agile_c, "2023-10-28") == 20  # clocks go back: 10 h
    night = candidate_slots(
        agile_c,
        pd.Timestamp("2023-10-28 12:00", tz="UTC"),
        pd.Timestamp("2023-10-29 12:00", tz="UTC"),
        (time(22), time(7)),
    )
    assert night.index[0] == pd.Timestamp("2023-10-28 21:00", tz="UTC")  # 22:00 BST
    assert night.index[-1] + SLOT == pd.Timestamp("2023-10-29 07:00", tz="UTC")  # 07:00 GMT


def test_between_windows_stay_inside_the_nightly_span(agile_c: pd.DataFrame) -> None:
    start = pd.Timestamp("2023-10-25 12:00", tz="UTC")
    week = candidate_slots(agile_c, start, start + pd.Timedelta(days=7), (time(22), time(7)))
    # 10 h only fits the night the clocks go back; it must not bridge 07:00 -> 22:00.
    got = best_window(week, 20)
    assert got is not None
    assert got.start == pd.Timestamp("2023-10-28 21:00", tz="UTC")
    assert best_window(week, 21) is None
    for k in (2, 8, 18):
        window = best_window(week, k)
        local = window.slots.tz_convert("Europe/London")
        assert all(t.hour >= 22 or t.hour < 7 for t in local)
        assert window.is_contiguous


def test_between_same_day_span_and_partial_slots() -> None:
    df = frame(np.arange(96.0), start="2024-01-10 00:00")  # two winter days, UTC = UK time
    day = candidate_slots(df, df.index[0], None, (time(9), time(17)))
    assert len(day) == 32 and day.index[0].hour == 9 and (day.index[-1] + SLOT).hour == 17
    odd = candidate_slots(df, df.index[0], None, (time(9, 15), time(10, 45)))
    assert [t.strftime("%H:%M") for t in odd.index[:2]] == ["09:30", "10:00"]
    assert len(candidate_slots(df, df.index[0], None, (time(0), time(0)))) == 96


def test_candidate_slots_keep_only_slots_fully_inside_start_end() -> None:
    df = frame(np.arange(10.0))
    got = candidate_slots(df, df.index[2] + pd.Timedelta(minutes=10), df.index[6] + SLOT / 2)
    assert list(got.index) == list(df.index[3:6])  # 02:00 has begun, 03:00 does not finish
    assert list(candidate_slots(df, df.index[8], None).index) == list(df.index[8:])


# ---- window_at / Comparison / £ per tonne / coverage ---------------------------------------


def test_window_at_start_now() -> None:
    df = frame([10, 20, 30, 40], carbon=[100, 200, np.nan, 400])
    now = window_at(df, df.index[0] + pd.Timedelta(minutes=7), 2)
    assert now.start == df.index[0] and now.price == 15 and now.carbon == 150
    assert window_at(df, df.index[1], 2).carbon is None  # carbon incomplete: not guessed
    assert window_at(df, df.index[3], 2) is None  # runs past the data
    assert window_at(df.drop(df.index[1]), df.index[0], 2) is None


def test_saving_vs_now_and_worst_in_units_and_money() -> None:
    df = frame([30, 30, 10, 10, 40, 40], carbon=[200, 200, 100, 100, 300, 300])
    comparison = compare(df, 2, "price")
    assert isinstance(comparison, Comparison)
    assert comparison.chosen.start == df.index[2]
    assert comparison.now.start == df.index[0] and comparison.worst.start == df.index[4]
    vs_now = comparison.saving_vs(comparison.now, kwh=20)
    assert vs_now["price_p_per_kwh"] == pytest.approx(20)
    assert vs_now["carbon_g_per_kwh"] == pytest.approx(100)
    assert vs_now["cost_gbp"] == pytest.approx(4.0)  # 20 kWh x 20 p
    assert vs_now["emissions_kg"] == pytest.approx(2.0)  # 20 kWh x 100 g
    assert vs_now["price_pct"] == pytest.approx(100 * 20 / 30)
    vs_worst = comparison.saving_vs(comparison.worst, kwh=None)
    assert vs_worst["price_p_per_kwh"] == pytest.approx(30)
    assert vs_worst["cost_gbp"] is None
    assert comparison.saving_vs(None, kwh=5)["price_p_per_kwh"] is None


def test_saving_percent_is_omitted_against_negative_prices() -> None:
    chosen = Window(*_span(0, 2), price=-6.0, carbon=None)
    other = Window(*_span(4, 2), price=-1.0, carbon=None)
    saving = Comparison(chosen, other, None).saving_vs(other, kwh=10)
    assert saving["price_p_per_kwh"] == pytest.approx(5.0)
    assert saving["cost_gbp"] == pytest.approx(0.5)
    assert saving["price_pct"] is None and saving["emissions_kg"] is None


def _span(first: int, n: int):
    slots = utc_slots("2024-01-10 00:00", first + n)[first:]
    return slots[0], slots[-1] + SLOT, slots


def test_implied_cost_per_tonne() -> None:
    cheapest = Window(*_span(0, 2), price=10.0, carbon=200.0)
    greenest = Window(*_span(4, 2), price=12.0, carbon=100.0)
    # 2 p/kWh more to avoid 100 g/kWh = 0.02 p/g = £200 per tonne
    assert implied_cost_per_tonne(cheapest, greenest) == pytest.approx(200.0)
    assert implied_cost_per_tonne(cheapest, cheapest) is None  # nothing avoided
    no_carbon = Window(*_span(4, 2), price=12.0, carbon=None)
    assert implied_cost_per_tonne(cheapest, no_carbon) is None


def test_coverage_text_names_horizons_and_gaps() -> None:
    df = frame([1.0] * 10, carbon=[100.0] * 10, start="2026-11-25 19:00")
    df.loc[df.index[-2:], "price"] = np.nan
    assert coverage_text(df) == "Prices to Wed 25 Nov 23:00, carbon to Thu 26 Nov 00:00 (UK time)"
    gappy = df.drop(df.index[3:5])
    text = coverage_text(gappy)
    assert "prices missing Wed 25 Nov 20:30–21:30" in text
    assert "carbon missing Wed 25 Nov 20:30–21:30" in text
    assert coverage_text(frame([1.0, 2.0]).iloc[:0]) == "No price or carbon data"
    assert coverage_text(frame([1.0, 2.0], start="2026-07-01 10:00")).startswith(
        "Prices to Wed 01 Jul 12:00, no carbon data"
    )


def test_best_starts_sweep_agrees_with_best_start() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(15, 12, 300).round(1)  # rounding makes exact ties likely
    values[[40, 41, 200]] = np.nan
    for highest in (False, True):
        sweep = best_starts(values, range(1, 25), highest=highest)
        assert sweep == {k: best_start(values, k, highest=highest) for k in range(1, 25)}
    assert best_starts(values[:3], [2, 4]) == {2: best_start(values[:3], 2), 4: None}
