"""One wholesale-level price serves every region: the regional formula round-trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from flexcalc.regions import all_regions
from flexcalc.tariffs.regional_formula import (
    CAP,
    REGION_FACTORS,
    import_from_wholesale,
    is_peak,
    to_wholesale,
)
from flexcalc.timeslots import local_day_slots


def test_every_region_has_a_formula():
    assert sorted(REGION_FACTORS) == sorted(r.letter for r in all_regions())


def test_the_peak_is_16_to_19_uk_time_on_clock_change_days():
    for day in ("2024-03-31", "2024-10-27"):
        slots = local_day_slots(day)
        peak = slots[is_peak(slots)].tz_convert("Europe/London")
        assert len(peak) == 6 and peak[0].hour == 16 and peak[-1].strftime("%H:%M") == "18:30"


@settings(deadline=None)  # pandas per example; the shared machine can stall one past 200 ms
@given(
    letter=st.sampled_from(sorted(REGION_FACTORS)),
    prices=st.lists(st.floats(-30, CAP, allow_nan=False), min_size=48, max_size=48),
)
def test_prices_round_trip_through_wholesale(letter, prices):
    index = local_day_slots("2024-01-15")
    series = pd.Series(prices, index=index)
    back = import_from_wholesale(to_wholesale(series, letter).to_numpy(), index, letter)
    np.testing.assert_allclose(back, series.to_numpy(), atol=1e-9)


def test_quantile_columns_get_the_peak_adder_per_row():
    index = local_day_slots("2024-01-15")
    w = np.column_stack([np.full(48, 5.0), np.full(48, 10.0)])
    out = import_from_wholesale(w, index, "C")
    peak = is_peak(index)
    np.testing.assert_allclose(out[~peak, 0], 1.05 * 2.0 * 5.0)
    np.testing.assert_allclose(out[peak, 1], 1.05 * (2.0 * 10.0 + 15.0))
