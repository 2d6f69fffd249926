"""Rolling-origin features: nothing after the decision leaks in; persistence is the same UK slot
on the latest published day (checked by brute force, clock-change days included)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexcalc.forecast.features import Decision, NotEnoughHistory, build_features, known_inputs
from flexcalc.forecast.history import read_history
from flexcalc.forecast.skill import decision_for_day, regret
from flexcalc.timeslots import LONDON, local_day_slots, utc

HISTORY = Path(__file__).resolve().parents[1] / "fixtures" / "history"


@pytest.fixture(scope="module")
def history():
    return read_history(HISTORY)


def _scramble_after(series: pd.Series, cut: pd.Timestamp, seed: int) -> pd.Series:
    """The same series with every value at or after ``cut`` replaced by noise."""
    rng = np.random.default_rng(seed)
    out = series.copy()
    late = out.index >= cut
    out[late] = rng.normal(500, 300, late.sum())
    return out


@settings(max_examples=25, deadline=None)
@given(
    day=st.dates(min_value=date(2022, 12, 10), max_value=date(2024, 9, 29)),
    seed=st.integers(0, 2**16),
)
def test_a_forecast_for_day_d_never_sees_data_after_10_on_d_minus_1(history, day, seed):
    decision = decision_for_day(day)
    assert decision.origin == utc(f"{day - timedelta(days=1)} 10:00")
    targets = local_day_slots(day)
    # Prices published after 10:00 on D-1 (i.e. from 23:00 D-1) and carbon forecasts for slots
    # past origin + 48 h are scrambled: the features must not move.
    later_prices = _scramble_after(history.wholesale, decision.known_until, seed)
    later_carbon = _scramble_after(history.carbon, decision.origin + pd.Timedelta(hours=48), seed)
    try:
        honest = build_features(history.wholesale, history.carbon, decision, targets)
    except NotEnoughHistory:
        with pytest.raises(NotEnoughHistory):
            build_features(later_prices, later_carbon, decision, targets)
        return
    leaked = build_features(later_prices, later_carbon, decision, targets)
    pd.testing.assert_frame_equal(honest, leaked)


def test_the_gate_keeps_prices_before_the_published_horizon_only(history):
    decision = decision_for_day(date(2023, 6, 14))
    prices, carbon = known_inputs(history.wholesale, history.carbon, decision)
    assert prices.index.max() < decision.known_until == utc("2023-06-13 23:00")
    assert carbon.index.max() < decision.origin + pd.Timedelta(hours=48)


def _brute_persistence(series: pd.Series, target: pd.Timestamp, known_until) -> float:
    wall = target.tz_convert(LONDON).tz_localize(None)
    for back in range(1, 9):
        # A wall time the spring change skips (01:00-02:00) is read as the slot after the gap.
        earlier = (wall - pd.Timedelta(days=back)).tz_localize(
            LONDON, ambiguous=True, nonexistent="shift_forward"
        )
        earlier = earlier.tz_convert("UTC")
        if earlier < known_until and earlier in series.index and not np.isnan(series[earlier]):
            return float(series[earlier])
    return float("nan")


@pytest.mark.parametrize(
    "day", [date(2023, 3, 26), date(2023, 3, 27), date(2023, 10, 29), date(2023, 7, 4)]
)
def test_persistence_is_the_same_uk_slot_on_the_latest_published_day(history, day):
    decision = decision_for_day(day)
    targets = local_day_slots(day)
    frame = build_features(history.wholesale, history.carbon, decision, targets)
    expected = [_brute_persistence(history.wholesale, t, decision.known_until) for t in targets]
    np.testing.assert_allclose(frame["persistence"].to_numpy(), expected)
    # 23:00 and 23:30 on D-1 were not published at 10:00 on D-1: they come from D-2.
    late = targets[-1]
    two_days = (late.tz_convert(LONDON).tz_localize(None) - pd.Timedelta(days=2)).tz_localize(
        LONDON, ambiguous=True
    )
    assert frame["persistence"].iloc[-1] == history.wholesale[two_days.tz_convert("UTC")]


def test_without_a_day_of_published_prices_there_is_no_forecast(history):
    decision = Decision(origin=utc("2022-11-25 10:00"), known_until=utc("2022-11-25 12:00"))
    with pytest.raises(NotEnoughHistory):
        build_features(history.wholesale, None, decision, local_day_slots(date(2022, 11, 26)))


def _brute_regret(forecast, actual, k):
    means_f = [sum(forecast[i : i + k]) / k for i in range(len(forecast) - k + 1)]
    means_a = [sum(actual[i : i + k]) / k for i in range(len(actual) - k + 1)]
    chosen = means_f.index(min(means_f))
    return means_a[chosen] - min(means_a)


@settings(deadline=None)
@given(
    st.lists(st.integers(-50, 100), min_size=48, max_size=48),
    st.lists(st.integers(-50, 100), min_size=48, max_size=48),
    st.integers(1, 8),
)
def test_regret_matches_a_brute_force(forecast, actual, k):
    got = regret(np.array(forecast, float), np.array(actual, float), k)
    assert got == pytest.approx(_brute_regret(forecast, actual, k), abs=1e-9)
    assert got >= -1e-9
