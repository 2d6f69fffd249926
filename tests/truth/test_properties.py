"""Property tests: bestslot, backtest, battery and footprint against brute forces written here
(tests/truth/brute.py), on generated series spanning both clock-change days, with gaps,
duplicated slots and negative prices."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from datetime import UTC, datetime, time, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flexcalc import backtest as bt
from flexcalc import footprint as fp
from flexcalc import windows
from flexcalc.battery import Battery, optimise_days, plan
from flexcalc.commands import Context, answer, parse
from flexcalc.regions import resolve
from flexcalc.sources.base import Forecast
from tests.truth.brute import (
    HALF,
    best_run,
    ceil_half_hour,
    first_wins,
    next_uk_time,
    uk_clock,
    uk_midnight,
)

CHANGE_DAYS = [dt.date(2023, 3, 26), dt.date(2023, 10, 29), dt.date(2024, 6, 9)]
pytestmark = pytest.mark.slow
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def series_rows(draw, day: dt.date | None = None, days: int = 3, low=-20.0, high=60.0):
    """(slot, value) rows over ``days`` UK days around a change day: some slots dropped (gaps),
    some listed twice with another value (duplicates), values possibly negative."""
    day = day or draw(st.sampled_from(CHANGE_DAYS))
    start = uk_midnight(day - timedelta(days=1))
    end = uk_midnight(day - timedelta(days=1) + timedelta(days=days))
    slots = []
    t = start
    while t < end:
        slots.append(t)
        t += HALF
    values = draw(
        st.lists(
            st.floats(low, high, allow_nan=False).map(lambda v: round(v, 2)),
            min_size=len(slots),
            max_size=len(slots),
        )
    )
    dropped = draw(st.sets(st.integers(0, len(slots) - 1), max_size=6))
    twice = draw(st.sets(st.integers(0, len(slots) - 1), max_size=3))
    rows = []
    for i, (slot, value) in enumerate(zip(slots, values, strict=True)):
        if i in dropped:
            continue
        rows.append((slot, value))
        if i in twice:
            rows.append((slot, round(value + 7.5, 2)))  # a later duplicate: the first wins
    return day, rows


def to_series(rows) -> pd.Series:
    index = pd.DatetimeIndex([pd.Timestamp(t) for t, _ in rows])
    return pd.Series([v for _, v in rows], index=index, dtype=float)


# ------------------------------------------------------------------------------ windows


@SETTINGS
@given(data=series_rows(), k=st.integers(1, 8), highest=st.booleans())
def test_best_window_is_the_brute_force_best_run(data, k, highest):
    _, rows = data
    frame = to_series(rows).to_frame("price")
    got = windows.best_window(frame, k, "price", highest=highest)
    want = best_run(first_wins(rows), k, highest=highest)
    if want is None:
        assert got is None
        return
    assert got.start.to_pydatetime() == want[0]
    assert got.price == pytest.approx(want[1], abs=1e-9)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=series_rows(low=-20, high=60),
    # Minutes from 20:00 UTC the evening before; 23:00-01:59 UTC (the change itself) weighted.
    minute=st.one_of(st.integers(180, 359), st.integers(0, 10 * 60 - 1)),
    deadline=st.sampled_from([time(7, 0), time(1, 30), time(23, 30)]),
    k=st.integers(1, 6),
)
def test_bestslot_by_a_deadline_matches_the_brute_force_at_any_minute(data, minute, deadline, k):
    day, rows = data
    now = datetime.combine(day - timedelta(days=1), time(20), tzinfo=UTC)
    now += timedelta(minutes=minute)
    series = to_series(rows)
    provider = _OneSeries(series)
    ctx = Context(provider=provider, region=resolve("C"), now=pd.Timestamp(now), charts=False)
    text = f"bestslot {30 * k}m by {deadline:%H:%M} for price"
    reply = answer(parse(text), ctx)

    first, end = ceil_half_hour(now), next_uk_time(now, deadline)
    values = first_wins(rows)
    inside = lambda s: s >= first and s + k * HALF <= end  # noqa: E731
    want = best_run(values, k, inside)
    if want is None:
        assert reply.is_error
        return
    assert not reply.is_error, reply.summary
    chosen = reply.data["windows"]["Cheapest"]
    assert pd.Timestamp(chosen["start"]).to_pydatetime() == want[0]
    assert chosen["price_p_per_kwh"] == pytest.approx(want[1], abs=1e-9)
    worst = best_run(values, k, inside, highest=True)
    assert pd.Timestamp(reply.data["worst"]["start"]).to_pydatetime() == worst[0]
    start_now = reply.data["start_now"]
    if start_now is not None:  # never a start in the past, never past the deadline
        assert first <= pd.Timestamp(start_now["start"]).to_pydatetime()
        assert pd.Timestamp(start_now["end"]).to_pydatetime() <= end


class _OneSeries:
    """A provider whose forecast is a generated price series (carbon absent)."""

    def __init__(self, prices: pd.Series) -> None:
        self.prices = prices

    def forecast(self, region, now):
        clean = self.prices[~self.prices.index.duplicated(keep="first")].sort_index()
        upcoming = clean[clean.index >= now.floor("30min")]
        empty = pd.Series(dtype=float, index=pd.DatetimeIndex([], tz="UTC"))
        return Forecast(region, upcoming.rename("price"), empty.rename("carbon"), now)

    def lookup_postcode(self, postcode):
        return None


# ------------------------------------------------------------------------------ backtest


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    slots=st.integers(1, 6),
    at=st.sampled_from([time(0, 0), time(1, 0), time(1, 30), time(9, 0), time(18, 30)]),
    within=st.sampled_from([6, 12, 24]),
)
def test_backtest_matches_the_brute_force_on_change_days(data, slots, at, within):
    day, price_rows = data.draw(series_rows(days=4))
    _, carbon_rows = data.draw(series_rows(day=day, days=4, low=20, high=400))
    p = first_wins(price_rows)
    c = first_wins(carbon_rows)
    first, last = day - timedelta(days=1), day + timedelta(days=1)
    result = bt.backtest(
        to_series(price_rows),
        to_series(carbon_rows).to_frame("forecast"),
        slots,
        at,
        pd.Timedelta(hours=within),
        first,
        last,
        kwh=1.0,
    )
    for d in (first + timedelta(days=i) for i in range(3)):
        base_p, cheap, base_c, green = _brute_day(p, c, d, slots, at, within)
        by_price = base_p is not None and cheap is not None
        by_carbon = base_c is not None and green is not None
        if not by_price and not by_carbon:
            assert d in set(result.skipped["day"])
            continue
        row = result.days.loc[d]
        if by_price:
            assert row["cheapest_start"].to_pydatetime() == cheap[0]
            assert row["saved_gbp"] == pytest.approx((base_p[1] - cheap[1]) / 100, abs=1e-9)
        else:
            assert math.isnan(row["saved_gbp"])
        if by_carbon:
            assert row["greenest_start"].to_pydatetime() == green[0]
            assert row["saved_kg"] == pytest.approx((base_c[1] - green[1]) / 1000, abs=1e-9)
        else:
            assert math.isnan(row["saved_kg"])


def _brute_day(p: dict, c: dict, day: dt.date, slots: int, at: time, within: int):
    """(baseline price run, cheapest published run, baseline carbon run, greenest run)."""
    decide = ceil_half_hour(_uk_instant(day, at))
    known = _uk_instant(day + timedelta(days=1) if at >= time(16) else day, time(23))
    limit = decide + timedelta(hours=within)

    def fits(start: datetime, end: datetime) -> bool:
        return decide <= start and start + slots * HALF <= end

    return (
        best_run(p, slots, lambda s: s == decide),
        best_run(p, slots, lambda s: fits(s, min(known, limit))),
        best_run(c, slots, lambda s: s == decide),
        best_run(c, slots, lambda s: fits(s, limit)),
    )


def _uk_instant(day: dt.date, at: time) -> datetime:
    """UTC instant the UK clock shows ``at`` on ``day`` (a skipped time moves forward; a
    repeated one is its first, BST, occurrence): scanned minute by minute from midnight."""
    t = uk_midnight(day)
    step = timedelta(minutes=1)
    while True:
        wall = uk_clock(t)
        if wall.time() >= at or wall.date() > day:
            return t
        t += step


# ------------------------------------------------------------------------------ battery


@settings(max_examples=40, deadline=None)
@given(
    prices=st.lists(st.integers(-20, 60).map(float), min_size=2, max_size=7),
    levels=st.integers(1, 3),
)
def test_battery_plan_saves_exactly_the_best_whole_schedule(prices, levels):
    """Lossless battery of ``levels`` half-hours at full power: the LP's saving equals the best
    of every schedule of full-power charge / idle / discharge (the LP's vertices)."""
    power = 4.0
    capacity = power * 0.5 * levels
    frame = pd.DataFrame(
        {"price": prices},
        index=pd.date_range("2023-10-28 23:00", periods=len(prices), freq="30min", tz="UTC"),
    )
    got = plan(frame, Battery(capacity, power, 1.0), "price")
    best = 0.0
    for s0 in range(levels + 1):
        for moves in itertools.product((-1, 0, 1), repeat=len(prices)):
            soc, ok = s0, True
            for move in moves:
                soc += move
                if not 0 <= soc <= levels:
                    ok = False
                    break
            if ok and soc == s0:
                saving = sum(-m * power * 0.5 * p for m, p in zip(moves, prices, strict=True)) / 100
                best = max(best, saving)
    assert got.saving_gbp == pytest.approx(best, abs=1e-6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=series_rows(days=3))
def test_battery_days_are_whole_uk_days_of_46_48_or_50_slots(data):
    day, rows = data
    series = to_series(rows)
    frame = series[~series.index.duplicated(keep="first")].sort_index().to_frame("price")
    days, _ = optimise_days(frame, Battery(4, 2, 0.9), "price")
    values = first_wins(rows)
    for d in (day - timedelta(days=1) + timedelta(days=i) for i in range(3)):
        a, b = uk_midnight(d), uk_midnight(d + timedelta(days=1))
        slots = [a + i * HALF for i in range((b - a) // HALF)]
        whole = all(t in values for t in slots)
        assert (d in days.index) == whole, d
        if whole:
            assert len(slots) == {dt.date(2023, 3, 26): 46, dt.date(2023, 10, 29): 50}.get(d, 48)
            alone = plan(frame.loc[pd.Timestamp(a) : pd.Timestamp(b - HALF)], Battery(4, 2, 0.9))
            assert days.at[d, "saving_gbp"] == pytest.approx(alone.saving_gbp, abs=1e-9)


# ------------------------------------------------------------------------------ footprint


@SETTINGS
@given(data=series_rows(low=20, high=400))
def test_peak_vs_best_on_any_uk_day_matches_the_brute_force(data):
    day, rows = data
    values = first_wins(rows)
    series = to_series(rows)
    got = fp.day_peak_vs_best(series[~series.index.duplicated(keep="first")], day)
    a, b = uk_midnight(day), uk_midnight(day + timedelta(days=1))
    slots = [a + i * HALF for i in range((b - a) // HALF)]
    peak = [t for t in slots if 16 <= uk_clock(t).hour < 19]
    today = {t: v for t, v in values.items() if a <= t < b}
    if not today or not all(t in values for t in peak):
        assert got is None
        return
    best = best_run(today, 6)
    if best is None:
        assert got is None
        return
    assert got.peak_mean == pytest.approx(sum(values[t] for t in peak) / 6, abs=1e-9)
    assert got.best_mean == pytest.approx(best[1], abs=1e-9)
    assert got.best_start == uk_clock(best[0]).strftime("%H:%M")


@SETTINGS
@given(data=series_rows(low=20, high=400), tb=st.floats(0.5, 500))
def test_storage_footprint_mean_and_coverage_match_the_brute_force(data, tb):
    day, rows = data
    values = first_wins(rows)
    a, b = uk_midnight(day - timedelta(days=1)), uk_midnight(day + timedelta(days=2))
    series = to_series(rows)
    unique = series[~series.index.duplicated(keep="first")]
    got = fp.storage_footprint(tb, unique, period=(pd.Timestamp(a), pd.Timestamp(b)))
    known = [v for t, v in values.items() if a <= t < b and v > 0]
    assert got.coverage == pytest.approx(len(known) / ((b - a) // HALF))
    assert got.mean_intensity == pytest.approx(sum(known) / len(known))
    assert got.extrapolated
    kw = tb * 1.2 * 1.135 / 1000
    assert got.kg_half_hourly == pytest.approx(kw * 8760 * sum(known) / len(known) / 1000)
    assert np.isfinite(got.kg_static)
