"""Backtest on real history (tests/fixtures/history) against an independent brute force, plus small
hand-checked cases, DST days, gaps and bad input."""

from __future__ import annotations

import datetime as dt
import math
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from flexcalc.backtest import backtest
from flexcalc.commands.answer_backtest import answer_backtest
from flexcalc.commands.requests import BacktestRequest, Context, Load
from flexcalc.regions import all_regions

DATA = Path(__file__).resolve().parent / "fixtures"
UK = ZoneInfo("Europe/London")
UTC = dt.UTC
HALF = dt.timedelta(minutes=30)


# ---------------------------------------------------------------- loading real history (pandas)


@cache
def region_c_prices() -> pd.Series:
    """Region C Agile prices 2022-11-25 .. 2024-09-30 (API flattened, UTC slot starts)."""
    files = sorted((DATA / "history" / "agile").glob("electricity_costs_octopus_*_C_*.csv"))
    parts = [pd.read_csv(f) for f in files]
    frame = pd.concat(parts)
    series = pd.Series(
        frame["cost_p_per_kwh"].to_numpy(float),
        index=pd.DatetimeIndex(pd.to_datetime(frame["time"], utc=True)),
        name="price",
    )
    return series.sort_index()


@cache
def national_carbon() -> pd.DataFrame:
    """National carbon history (forecast, actual), 2022-11-25 .. 2024-09-30, UTC slot starts."""
    parts = [pd.read_csv(f) for f in sorted((DATA / "history" / "carbon").glob("*.csv"))]
    frame = pd.concat(parts)
    out = pd.DataFrame(
        {
            "forecast": frame["carbon_intensity_forecast"].to_numpy(float),
            "actual": frame["carbon_intensity_actual"].to_numpy(float),
        },
        index=pd.DatetimeIndex(pd.to_datetime(frame["time"], utc=True)),
    )
    out = out[~out.index.duplicated()].sort_index()
    return out


@cache
def seed_prices() -> pd.Series:
    """The seed's East Midlands dashboard export (UK local times, BST throughout June)."""
    frame = pd.read_csv(DATA / "csv" / "agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv")
    local = pd.to_datetime(frame["Period from"], format="%d/%m/%Y %H:%M")
    index = pd.DatetimeIndex(local).tz_localize(UK).tz_convert("UTC")
    return pd.Series(frame["Agile Import price (p/kWh)"].to_numpy(float), index=index)


@cache
def seed_carbon() -> pd.DataFrame:
    """The seed's regional carbon forecast (no actual values were recorded)."""
    frame = pd.read_csv(DATA / "csv" / "carbon_intensity_example_out.csv")
    index = pd.DatetimeIndex(pd.to_datetime(frame["PeriodFrom"], utc=True))
    out = pd.DataFrame({"forecast": frame["CarbonIntensity"].to_numpy(float)}, index=index)
    out["actual"] = np.nan
    return out[~out.index.duplicated()]


class HistoryProvider:
    """A DataProvider over in-memory history (what --prices/--carbon files give the CLI)."""

    def __init__(self, prices: pd.Series, carbon: pd.DataFrame) -> None:
        self.prices, self.carbon = prices, carbon

    def forecast(self, region, now):  # not used by history answers
        raise NotImplementedError

    def price_history(self, region, start, end) -> pd.Series:
        return self.prices[(self.prices.index >= start) & (self.prices.index < end)]

    def carbon_history(self, region, start, end) -> pd.DataFrame:
        return self.carbon[(self.carbon.index >= start) & (self.carbon.index < end)]

    def lookup_postcode(self, postcode):
        return None


def region(letter: str):
    return next(r for r in all_regions() if r.letter == letter)


def ctx_for(prices: pd.Series, carbon: pd.DataFrame, **kw) -> Context:
    return Context(provider=HistoryProvider(prices, carbon), region=region("C"), charts=False, **kw)


# ---------------------------------------------------------------- independent brute force


def brute_force(prices, carbon, slots, at, within, start, end, kwh):
    """Plain-Python per-day loop over datetimes and dicts (no cumsum, no numpy windows)."""
    price = {ts.to_pydatetime(): v for ts, v in prices.items() if not math.isnan(v)}
    fc, ac = {}, {}
    for ts, row in carbon.iterrows():
        t = ts.to_pydatetime()
        if not math.isnan(row["forecast"]) and row["forecast"] > 0:
            fc[t] = row["forecast"]
        if not math.isnan(row["actual"]) and row["actual"] > 0:
            ac[t] = row["actual"]
    out, skipped = {}, []
    day = start
    while day <= end:
        decide = dt.datetime.combine(day, at, tzinfo=UK).astimezone(UTC)
        pub_day = day + dt.timedelta(days=1) if at >= dt.time(16) else day
        known = dt.datetime.combine(pub_day, dt.time(23), tzinfo=UK).astimezone(UTC)

        def window(s):
            """(mean price or None, (carbon to choose on, carbon scored) or None): each metric
            on its own data, so a missing carbon slot leaves the price window intact."""
            ts = [s + i * HALF for i in range(slots)]
            p = sum(price[t] for t in ts) / slots if all(t in price for t in ts) else None
            c = None
            if all(t in fc or t in ac for t in ts):
                choose = sum(fc.get(t, ac.get(t)) for t in ts) / slots
                c = (choose, sum(ac.get(t, fc.get(t)) for t in ts) / slots)
            return p, c

        base_p, base_c = window(decide)
        cheapest = greenest = None
        n_starts = int(within / HALF) - slots + 1
        for j in range(n_starts):
            s = decide + j * HALF
            p, c = window(s)
            published = s + slots * HALF <= known
            if p is not None and published and (cheapest is None or p < cheapest[1] - 1e-9):
                cheapest = (s, p)
            if c is not None and (greenest is None or c[0] < greenest[1][0] - 1e-9):
                greenest = (s, c)
        by_price = base_p is not None and cheapest is not None
        by_carbon = base_c is not None and greenest is not None
        if not by_price and not by_carbon:
            skipped.append(day)
        else:
            out[day] = {
                "cheapest_start": cheapest[0] if by_price else None,
                "greenest_start": greenest[0] if by_carbon else None,
                "baseline_cost": kwh * base_p / 100 if by_price else 0.0,
                "cheapest_cost": kwh * cheapest[1] / 100 if by_price else 0.0,
                "baseline_kg": kwh * base_c[1] / 1000 if by_carbon else 0.0,
                "greenest_kg": kwh * greenest[1][1] / 1000 if by_carbon else 0.0,
            }
        day += dt.timedelta(days=1)
    return out, skipped


@pytest.mark.slow
@pytest.mark.parametrize(
    ("at", "hours", "within"),
    [(dt.time(9), 4, 24), (dt.time(18, 30), 3, 12), (dt.time(0), 1.5, 30)],
)
def test_year_matches_brute_force(at, hours, within):
    prices, carbon = region_c_prices(), national_carbon()
    start, end = dt.date(2023, 1, 1), dt.date(2023, 12, 31)
    slots = int(hours * 2)
    r = backtest(prices, carbon, slots, at, pd.Timedelta(hours=within), start, end, kwh=50 * hours)
    expect, skipped = brute_force(
        prices.loc["2022-12-31":"2024-01-03"],
        carbon.loc["2022-12-31":"2024-01-03"],
        slots,
        at,
        dt.timedelta(hours=within),
        start,
        end,
        50 * hours,
    )
    assert list(r.skipped["day"]) == skipped
    assert list(r.days.index) == list(expect)
    got_cheap = [None if pd.isna(ts) else ts.to_pydatetime() for ts in r.days["cheapest_start"]]
    assert got_cheap == [e["cheapest_start"] for e in expect.values()]
    got_green = [None if pd.isna(ts) else ts.to_pydatetime() for ts in r.days["greenest_start"]]
    assert got_green == [e["greenest_start"] for e in expect.values()]
    t = r.totals()
    assert t["baseline_cost_gbp"] == pytest.approx(sum(e["baseline_cost"] for e in expect.values()))
    assert t["cheapest_cost_gbp"] == pytest.approx(sum(e["cheapest_cost"] for e in expect.values()))
    assert t["baseline_kg"] == pytest.approx(sum(e["baseline_kg"] for e in expect.values()))
    assert t["greenest_kg"] == pytest.approx(sum(e["greenest_kg"] for e in expect.values()))
    assert t["saved_gbp"] > 0 and t["saved_kg"] > 0


def test_seed_june_2024_matches_brute_force():
    prices, carbon = seed_prices(), seed_carbon()
    start, end = dt.date(2024, 6, 2), dt.date(2024, 6, 30)
    r = backtest(prices, carbon, 8, dt.time(9), pd.Timedelta(hours=24), start, end, kwh=200)
    expect, skipped = brute_force(
        prices, carbon, 8, dt.time(9), dt.timedelta(hours=24), start, end, 200
    )
    # The carbon API outage on 12 Jun no longer hides that day's price saving.
    assert list(r.skipped["day"]) == skipped == []
    outage = r.days.loc[dt.date(2024, 6, 12)]
    assert math.isnan(outage["saved_kg"]) and outage["saved_gbp"] > 0
    assert r.totals()["saved_gbp"] == pytest.approx(
        sum(e["baseline_cost"] - e["cheapest_cost"] for e in expect.values())
    )
    assert r.carbon_eval_actual_share == 0.0  # the seed recorded forecasts only
    assert r.carbon_choice_forecast_share == 1.0


# ---------------------------------------------------------------- hand-checked cases


def synthetic(day: str, values: list[float], tz_day_slots: int | None = None) -> pd.Series:
    start = pd.Timestamp(day, tz=UK).tz_convert("UTC")
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="30min"))


def test_hand_checked_two_days():
    # Two days of flat 20p with a 2-slot dip to 5p at 13:00 local on day 1 and 01:00 on day 2.
    values = [20.0] * 96
    values[26:28] = [5.0, 5.0]  # day 1 13:00-14:00 (BST: 12:00Z)
    values[48 + 2 : 48 + 4] = [5.0, 5.0]  # day 2 01:00-02:00, before prices for it are known
    prices = synthetic("2024-06-10", values)
    carbon = pd.DataFrame({"forecast": 100.0, "actual": 150.0}, index=prices.index)
    carbon.iloc[50:52] = [[10.0, 300.0], [10.0, 300.0]]  # forecast says green, actually dirty
    r = backtest(
        prices,
        carbon,
        2,
        dt.time(9),
        pd.Timedelta(hours=24),
        dt.date(2024, 6, 10),
        dt.date(2024, 6, 10),
        kwh=10,
    )
    day = r.days.iloc[0]
    assert day["cheapest_start"] == pd.Timestamp("2024-06-10 12:00", tz="UTC")
    assert day["saved_gbp"] == pytest.approx(10 * (20 - 5) / 100)
    # The greenest choice follows the forecast and is scored on the (worse) actual.
    assert day["greenest_start"] == pd.Timestamp("2024-06-11 00:00", tz="UTC")
    assert day["saved_kg"] == pytest.approx(10 * (150 - 300) / 1000)
    # Deciding at 16:00 (prices for tomorrow published) finds the overnight dip instead.
    late = backtest(
        prices,
        carbon,
        2,
        dt.time(16),
        pd.Timedelta(hours=12),
        dt.date(2024, 6, 10),
        dt.date(2024, 6, 10),
        kwh=10,
    )
    assert late.days.iloc[0]["cheapest_start"] == pd.Timestamp("2024-06-11 00:00", tz="UTC")


def test_tie_goes_to_earliest_and_flat_prices_save_nothing():
    prices = synthetic("2024-06-10", [10.0] * 96)
    carbon = pd.DataFrame({"forecast": 100.0, "actual": 100.0}, index=prices.index)
    r = backtest(
        prices,
        carbon,
        4,
        dt.time(9),
        pd.Timedelta(hours=24),
        dt.date(2024, 6, 10),
        dt.date(2024, 6, 10),
    )
    assert r.days.iloc[0]["cheapest_start"] == r.days.iloc[0]["baseline_start"]
    assert r.totals()["saved_gbp"] == 0


# ---------------------------------------------------------------- DST days


def test_dst_days_use_uk_wall_clock():
    prices, carbon = region_c_prices(), national_carbon()
    r = backtest(
        prices,
        carbon,
        2,
        dt.time(9),
        pd.Timedelta(hours=24),
        dt.date(2023, 3, 25),
        dt.date(2023, 3, 27),
    )
    starts = list(r.days["baseline_start"])
    assert starts == [
        pd.Timestamp("2023-03-25 09:00", tz="UTC"),  # GMT
        pd.Timestamp("2023-03-26 08:00", tz="UTC"),  # BST from 01:00 UTC that day
        pd.Timestamp("2023-03-27 08:00", tz="UTC"),
    ]
    # Prices known at 09:00 on the 46-slot day end at 23:00 BST = 22:00 UTC.
    day = r.days.loc[dt.date(2023, 3, 26)]
    assert day["cheapest_start"] + pd.Timedelta(hours=1) <= pd.Timestamp(
        "2023-03-26 22:00", tz="UTC"
    )
    # A time skipped by the spring change (01:30) moves forward to 02:00 BST = 01:00 UTC.
    skipped_hour = backtest(
        prices,
        carbon,
        2,
        dt.time(1, 30),
        pd.Timedelta(hours=6),
        dt.date(2023, 3, 26),
        dt.date(2023, 3, 26),
    )
    assert skipped_hour.days.iloc[0]["baseline_start"] == pd.Timestamp("2023-03-26 01:00", tz="UTC")
    autumn = backtest(
        prices,
        carbon,
        2,
        dt.time(9),
        pd.Timedelta(hours=24),
        dt.date(2023, 10, 29),
        dt.date(2023, 10, 29),
    )
    assert autumn.days.iloc[0]["baseline_start"] == pd.Timestamp("2023-10-29 09:00", tz="UTC")


# ---------------------------------------------------------------- gaps and bad input


def test_gaps_are_reported_not_filled():
    prices, carbon = region_c_prices(), national_carbon()
    # National carbon is missing 2023-10-20T22:00Z .. 2023-10-22T19:00Z.
    r = backtest(
        prices,
        carbon,
        8,
        dt.time(9),
        pd.Timedelta(hours=24),
        dt.date(2023, 10, 18),
        dt.date(2023, 10, 24),
    )
    # The two days without carbon still count for price; their carbon is n/a, not invented.
    assert list(r.skipped["day"]) == []
    no_carbon = r.days.loc[[dt.date(2023, 10, 21), dt.date(2023, 10, 22)]]
    assert no_carbon["saved_kg"].isna().all() and no_carbon["saved_gbp"].notna().all()
    assert r.days_with_holes >= 1  # 20 Oct: the evening part of its span is missing
    reply = answer_backtest(
        BacktestRequest(
            pd.Timedelta(hours=4),
            start=dt.date(2023, 10, 18),
            end=dt.date(2023, 10, 24),
            load=Load(kw=50),
        ),
        ctx_for(prices, carbon),
    )
    text = reply.to_text()
    assert "2 day(s) without complete carbon data, counted for the other metric only" in text
    assert "21 Oct 2023, 22 Oct 2023" in text
    assert "2023-10-21" not in reply.csv["backtest_skipped.csv"]


def test_answer_on_seed_data_has_summary_table_csv_and_chart():
    prices, carbon = seed_prices(), seed_carbon()
    seen: list[float] = []
    ctx = Context(
        provider=HistoryProvider(prices, carbon),
        region=region("B"),
        charts=True,
        progress=lambda f, label: seen.append(f),
    )
    req = BacktestRequest(
        pd.Timedelta(hours=4),
        start=dt.date(2024, 6, 2),
        end=dt.date(2024, 6, 30),
        load=Load(kw=50),
        region=region("B"),
    )
    reply = answer_backtest(req, ctx)
    assert not reply.is_error
    assert reply.summary.startswith("Over 29 days")  # 12 Jun (carbon outage) counts for £
    assert "would have saved £" in reply.summary
    assert reply.chart_png and reply.chart_png.startswith(b"\x89PNG")
    assert "scored on the forecast (no actual values recorded)" in " ".join(reply.notes)
    days_csv = pd.read_csv(pd.io.common.StringIO(reply.csv["backtest_days.csv"]))
    assert len(days_csv) == 29
    assert reply.data["totals"]["saved_gbp"] == pytest.approx(days_csv["saved_gbp"].sum(), abs=0.01)
    assert seen == sorted(seen) and seen[-1] == 1.0


@pytest.mark.parametrize(
    ("req", "message"),
    [
        (BacktestRequest(pd.Timedelta(hours=4), within=pd.Timedelta(hours=2)), "at least as long"),
        (BacktestRequest(pd.Timedelta(hours=4), within=pd.Timedelta(hours=72)), "at most 48 h"),
        (
            BacktestRequest(
                pd.Timedelta(hours=4), start=dt.date(2021, 1, 1), end=dt.date(2021, 1, 31)
            ),
            "no prices",
        ),
        (
            BacktestRequest(
                pd.Timedelta(hours=4), start=dt.date(2023, 2, 1), end=dt.date(2023, 1, 1)
            ),
            "before the start",
        ),
        (BacktestRequest(pd.Timedelta(hours=4), load=Load(kw=-5)), "must be positive"),
    ],
)
def test_bad_input_gets_a_clear_message(req, message):
    with pytest.raises(ValueError, match=message):
        answer_backtest(
            req,
            ctx_for(region_c_prices(), national_carbon(), now=pd.Timestamp("2023-06-01T12:00Z")),
        )
