"""One wholesale-level price serves every region: the regional formula round-trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from flexcalc.forecast.history import PRICE_FILES
from flexcalc.regions import all_regions
from flexcalc.sources.csv_files import read_prices
from flexcalc.tariffs.regional_formula import (
    CAP,
    REGION_FACTORS,
    import_from_wholesale,
    is_peak,
    to_wholesale,
)
from flexcalc.timeslots import local_day_slots, utc

HISTORY = Path(__file__).resolve().parents[1] / "fixtures" / "history"


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
    np.testing.assert_allclose(out[peak, 1], 1.05 * (2.0 * 10.0 + 12.0))


def test_recorded_region_c_and_n_prices_give_the_same_wholesale_level_peak_or_not():
    """Two regions' real prices for the same half-hours (July-December 2023, one product) turn
    back into one W, in the 16:00-19:00 peak as well as outside it."""
    c_file, _, n_file = (HISTORY / name for name, _ in PRICE_FILES)
    c = to_wholesale(read_prices(c_file).prices, "C")
    n = to_wholesale(read_prices(n_file).prices, "N")
    both = pd.concat([c.rename("c"), n.rename("n")], axis=1).dropna()
    both = both[both.index >= utc("2023-07-01 00:00")]
    peak = is_peak(both.index)
    gap = (both["c"] - both["n"]).abs()
    assert peak.sum() > 500 and (~peak).sum() > 5000
    assert gap[peak].median() < 0.05 and gap[~peak].median() < 0.05
