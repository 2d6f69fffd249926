"""``skill.lead_day_scores`` against a brute force: slot by slot, from the definitions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from statistics import NormalDist

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from flexcalc.forecast import skill

LONDON = "Europe/London"
SLOT = timedelta(minutes=30)


class BandModel:
    """A stand-in model whose quantiles depend only on the slot: the brute force can compute
    them one slot at a time without any feature code. Some bands are flat on one side."""

    def __init__(self, level: float, width: float, flat_every: int):
        self.level, self.width, self.flat_every = level, width, flat_every

    def quantiles_at(self, slot: pd.Timestamp) -> tuple[float, float, float]:
        k = int(slot.timestamp()) // 1800
        median = self.level + 3.0 * np.sin(k / 7.0)
        below = 0.0 if k % self.flat_every == 0 else self.width * (1.5 + np.cos(k / 5.0))
        above = 0.0 if k % self.flat_every == 1 else self.width * (1.2 + np.sin(k / 3.0))
        return median - below, median, median + above

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return np.array([self.quantiles_at(slot) for slot in frame.index])


def brute_force(model: BandModel, wholesale: pd.Series, days: list[date]) -> dict[int, list]:
    z90 = NormalDist().inv_cdf(0.9)
    prices = {t: v for t, v in wholesale.items() if not np.isnan(v)}
    out: dict[int, list] = {}
    for day in days:
        # 10:00 UK on D-1: prices are then published up to 23:00 UK on D-1.
        eve = datetime.combine(day - timedelta(days=1), datetime.min.time()).replace(hour=23)
        known_until = pd.Timestamp(eve, tz=LONDON).tz_convert("UTC")
        week = [t for t in prices if known_until - timedelta(days=7) <= t < known_until]
        if len(week) < 48:  # less than a day of prices: no forecast that day
            continue
        by_lead: dict[int, list[float]] = {}
        for k in range(7 * 48):
            slot = known_until + k * SLOT
            low, mid, high = model.quantiles_at(slot)
            actual = prices.get(slot, np.nan)
            miss = actual - mid
            side = (high - mid) if miss > 0 else (mid - low)
            score = miss / (side / z90) if side > 0 else np.nan
            by_lead.setdefault(k // 48, []).append(score)  # 48 slots = 24 h past the horizon
        for lead, scores in by_lead.items():
            out.setdefault(lead, []).append(np.array(scores))
    return out


@st.composite
def cases(draw):
    start = draw(
        st.sampled_from([date(2024, 3, 20), date(2024, 10, 18), date(2024, 6, 3)])
    ) + timedelta(days=draw(st.integers(0, 6)))
    length = draw(st.integers(3, 20))
    index = pd.date_range(
        pd.Timestamp(start, tz=LONDON), periods=length * 48, freq="30min"
    ).tz_convert("UTC")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.normal(10, 8, len(index))  # negative prices included
    values[rng.random(len(index)) < draw(st.sampled_from([0.0, 0.05, 0.5]))] = np.nan
    keep = rng.random(len(index)) >= draw(st.sampled_from([0.0, 0.1]))  # gaps: missing slots
    wholesale = pd.Series(values, index=index)[keep]
    days = draw(
        st.lists(
            st.integers(-2, length + 8).map(lambda n: start + timedelta(days=n)),
            min_size=1,
            max_size=6,
        )
    )
    model = BandModel(draw(st.floats(-5, 30)), draw(st.floats(0.01, 5)), draw(st.integers(2, 40)))
    return model, wholesale, days


@settings(max_examples=40, deadline=None)
@given(cases())
def test_lead_day_scores_match_a_slot_by_slot_brute_force(case):
    model, wholesale, days = case
    found = skill.lead_day_scores(model, wholesale, None, days)
    expected = brute_force(model, wholesale, days)
    assert sorted(found) == sorted(expected)
    for lead in expected:
        assert len(found[lead]) == len(expected[lead])
        for got, want in zip(found[lead], expected[lead], strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_a_clock_change_day_still_splits_lead_days_at_24_hours():
    """Decision on Sat 30 Mar 2024 for Sun 31 Mar (23 h long): lead day 0 is still the first
    48 slots past 23:00 GMT, not the UK day."""
    index = pd.date_range("2024-03-20", "2024-04-10", freq="30min", tz="UTC", inclusive="left")
    wholesale = pd.Series(np.linspace(0, 30, len(index)), index=index)
    found = skill.lead_day_scores(BandModel(15, 2, 1000), wholesale, None, [date(2024, 3, 31)])
    assert sorted(found) == list(range(7)) and all(len(v[0]) == 48 for v in found.values())
