"""Advice scoring against a brute force written here: every window of the span enumerated in
plain Python, on generated prices (negative ones too) and carbon with gaps, across both clock
changes, with and without daily UK hours and split windows."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flexcalc.advice.accuracy import Scored, accuracy_reply, line, split_by_source, summarise
from flexcalc.advice.scoring import Advice, actual_frame, score

UK = ZoneInfo("Europe/London")
HALF = timedelta(minutes=30)
DAYS = [date(2024, 3, 31), date(2024, 10, 27), date(2024, 6, 9)]
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _uk_minutes(slot: datetime) -> int:
    local = slot.astimezone(UK)
    return local.hour * 60 + local.minute


def _inside(slot: datetime, between: tuple[time, time] | None) -> bool:
    if between is None:
        return True
    a = between[0].hour * 60 + between[0].minute
    b = between[1].hour * 60 + between[1].minute
    m = _uk_minutes(slot)
    if a == b:
        return True
    return (a <= m and m + 30 <= b) if a < b else (m >= a or m + 30 <= b)


def brute_best(values: dict, span: tuple, between, k: int, split: bool) -> float | None:
    """Lowest mean of k known values among the span's slots (adjacent ones unless split)."""
    start, end = span
    allowed = sorted(
        s for s, v in values.items()
        if start <= s and s + HALF <= end and _inside(s, between) and not math.isnan(v)
    )  # fmt: skip
    if split:
        if len(allowed) < k:
            return None
        return sum(sorted(values[s] for s in allowed)[:k]) / k
    best = None
    chosen = set(allowed)
    for first in allowed:
        run = [first + i * HALF for i in range(k)]
        if all(s in chosen for s in run):
            mean = sum(values[s] for s in run) / k
            best = mean if best is None else min(best, mean)
    return best


@st.composite
def cases(draw):
    day = draw(st.sampled_from(DAYS))
    origin = datetime(day.year, day.month, day.day, tzinfo=UK).astimezone(UTC) - timedelta(hours=6)
    n = draw(st.integers(12, 60))
    slots = [origin + i * HALF for i in range(n)]
    value = st.one_of(st.floats(-20, 60, allow_nan=False), st.just(math.nan))
    prices = {s: draw(value) for s in slots}
    carbon = {s: draw(st.one_of(st.floats(20, 400), st.just(math.nan))) for s in slots}
    k = draw(st.integers(1, 6))
    split = draw(st.booleans())
    between = draw(st.one_of(st.none(), st.sampled_from([(time(22), time(7)), (time(0), time(6)),
                                                          (time(1), time(3))])))  # fmt: skip
    a = draw(st.integers(0, n - 1))
    b = draw(st.integers(a + 1, n))
    span = (slots[a], slots[b - 1] + HALF)
    # the advice: some k allowed slots (adjacent unless split), as the answer would have chosen
    allowed = [s for s in slots[a:b] if _inside(s, between)]
    if split:
        picked = sorted(draw(st.permutations(allowed))[:k]) if len(allowed) >= k else []
    else:
        runs = [s for s in allowed if all(s + i * HALF in allowed for i in range(k))]
        first = draw(st.sampled_from(runs)) if runs else None
        picked = [first + i * HALF for i in range(k)] if first is not None else []
    return prices, carbon, span, between, k, split, picked


def _frame(prices: dict, carbon: dict) -> pd.DataFrame:
    index = pd.DatetimeIndex(list(prices))
    values = list(carbon.values())
    carbon_frame = pd.DataFrame({"forecast": values, "actual": values}, index=index)
    return actual_frame(pd.Series(list(prices.values()), index=index), carbon_frame)


@SETTINGS
@given(cases())
def test_regret_is_chosen_mean_minus_the_best_window_of_the_span_in_hindsight(case):
    prices, carbon, span, between, k, split, picked = case
    if not picked:
        return
    advice = Advice(pd.DatetimeIndex(picked), pd.Timestamp(span[0]), pd.Timestamp(span[1]),
                    between, split)  # fmt: skip
    result = score(advice, _frame(prices, carbon))
    chosen_p = [prices[s] for s in picked]
    chosen_g = [carbon[s] for s in picked]
    p_known = not any(math.isnan(v) for v in chosen_p)
    g_known = not any(math.isnan(v) for v in chosen_g)
    if not p_known and not g_known:
        assert result is None
        return
    assert result is not None
    if p_known:
        best = brute_best(prices, span, between, k, split)
        assert result.regret_p == pytest.approx(max(0.0, sum(chosen_p) / k - best), abs=1e-9)
        assert result.regret_p >= 0
    else:
        assert result.regret_p is None
    if g_known:
        best = brute_best(carbon, span, between, k, split)
        assert result.regret_g == pytest.approx(max(0.0, sum(chosen_g) / k - best), abs=1e-9)
        assert result.carbon_basis == "actual"
    else:
        assert result.regret_g is None


def test_the_best_window_scores_zero_and_a_dearer_one_scores_the_difference():
    start = pd.Timestamp("2024-06-10 00:00", tz="UTC")
    index = pd.date_range(start, periods=8, freq="30min")
    prices = pd.Series([10, 4, 2, 3, 9, 12, 1, 30], index=index, dtype=float)
    carbon = pd.DataFrame({"forecast": 100.0, "actual": [100, 90, 80, 70, 60, 50, 40, 300]},
                          index=index)  # fmt: skip
    actual = actual_frame(prices, carbon)
    span = (index[0], index[-1] + HALF)
    best = score(Advice(index[2:4], *span), actual)
    assert best is not None and best.regret_p == 0 and best.chosen_price == 2.5
    worse = score(Advice(index[4:6], *span), actual)
    assert worse is not None and worse.regret_p == pytest.approx(10.5 - 2.5)
    assert worse.regret_g == pytest.approx(55 - 45)  # greenest 2 slots in span: 50 and 40


def test_carbon_falls_back_to_the_forecast_where_no_actual_was_published_and_says_so():
    index = pd.date_range("2024-06-10", periods=4, freq="30min", tz="UTC")
    carbon = pd.DataFrame({"forecast": [100.0, 50, 60, 70], "actual": [math.nan, 0, 55, 70]},
                          index=index)  # fmt: skip
    actual = actual_frame(pd.Series([1.0, 2, 3, 4], index=index), carbon)
    result = score(Advice(index[1:3], index[0], index[-1] + HALF), actual)
    assert result is not None and result.carbon_basis == "actual and forecast"
    assert result.chosen_carbon == pytest.approx((50 + 55) / 2)  # actual 0 counts as missing


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["price", "carbon", "balanced"]),
            st.booleans(),
            st.one_of(st.none(), st.floats(0, 20)),
            st.one_of(st.none(), st.floats(0, 300)),
        ),
        max_size=30,
    )
)
@SETTINGS
def test_summary_matches_a_count_by_hand(rows):
    items = [Scored(*row) for row in rows]
    acc = summarise(items)
    p = [r[2] for r in rows if r[0] != "carbon" and r[2] is not None]
    g = [r[3] for r in rows if r[0] != "price" and r[3] is not None]
    assert acc.scored == len(rows) and acc.priced == len(p) and acc.carbon == len(g)
    assert acc.mean_regret_p == (pytest.approx(sum(p) / len(p)) if p else None)
    assert acc.mean_regret_g == (pytest.approx(sum(g) / len(g)) if g else None)
    assert acc.within_1p == (pytest.approx(sum(v <= 1 for v in p) / len(p)) if p else None)
    forecast, published = split_by_source(items)
    assert forecast.scored + published.scored == len(rows)
    assert forecast.scored == sum(1 for r in rows if r[1])


def test_the_line_says_when_nothing_is_scored_yet_and_gives_figures_otherwise():
    assert "no advice has been scored yet" in line(summarise([]))
    text = line(summarise([Scored("price", False, 0.5, None), Scored("price", True, 2.5, None)]))
    assert "2 piece(s) of advice scored" in text
    assert "1.50 p/kWh above the cheapest" in text and "50% within 1 p" in text


def test_the_answer_data_holds_both_periods_and_the_forecast_published_split():
    week = [Scored("price", False, 0.5, None), Scored("balanced", True, 3.0, 40.0)]
    month = [*week, Scored("carbon", False, None, 10.0)]
    data = accuracy_reply({"week": week, "month": month}, "month", pending=2).data
    assert data["days"] == 30 and data["pending"] == 2
    assert data["periods"]["week"]["scored"] == 2 and data["periods"]["month"]["scored"] == 3
    assert data["periods"]["month"]["mean_regret_g"] == pytest.approx(25.0)
    assert data["periods"]["week"]["forecast"]["mean_regret_p"] == 3.0
    assert data["periods"]["week"]["published"]["within_1p"] == 1.0
