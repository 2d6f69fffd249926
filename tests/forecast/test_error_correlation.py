"""How a forecast's slot errors move together: the estimator against a brute force over pairs,
the split normal's standard scores, and sampled price paths carrying the measured correlation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from flexcalc.forecast.error_correlation import Z90, equicorrelation, standardise
from flexcalc.forecast.predict import COLUMNS, ERROR_CORRELATION, sample_paths
from flexcalc.timeslots import SLOT, utc

scores = st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=12)


def _brute_equicorrelation(forecasts):
    pairs = squares = 0.0
    for z in forecasts:
        n = len(z)
        pairs += sum(z[i] * z[j] for i in range(n) for j in range(n) if i != j)
        squares += (n - 1) * sum(v * v for v in z)
    return pairs / squares


@settings(deadline=None)
@given(st.lists(scores, min_size=1, max_size=6))
def test_equicorrelation_matches_a_brute_force_over_pairs(forecasts):
    arrays = [np.array(z) for z in forecasts]
    if all(v == 0 for z in forecasts for v in z):
        with pytest.raises(ValueError):
            equicorrelation(arrays)
        return
    assume(sum(v * v for z in forecasts for v in z) > 1e-6)  # away from float underflow
    assert equicorrelation(arrays) == pytest.approx(
        _brute_equicorrelation(forecasts), rel=1e-6, abs=1e-6
    )


@settings(deadline=None)  # the shared machine can stall one example past 200 ms
@given(
    median=st.floats(-20, 60),
    below=st.floats(0.1, 20),
    above=st.floats(0.1, 20),
    actual=st.floats(-50, 100),
)
def test_standard_scores_use_the_side_of_the_median_the_actual_falls_on(
    median, below, above, actual
):
    quantiles = np.array([[median - below, median, median + above]])
    side = above if actual > median else below
    expected = (actual - median) / (side / Z90)
    assert standardise(np.array([actual]), quantiles)[0] == pytest.approx(expected, abs=1e-9)


def test_the_band_edges_are_the_10_and_90_percent_points():
    quantiles = np.array([[2.0, 5.0, 11.0]] * 2)
    assert standardise(np.array([2.0, 11.0]), quantiles) == pytest.approx([-Z90, Z90])


def test_sampled_paths_carry_the_measured_correlation_for_each_lead_day():
    known_until = utc("2024-06-10 22:00")
    index = pd.date_range(known_until, periods=48 * 3, freq=SLOT)
    rng = np.random.default_rng(1)
    median = rng.normal(15, 5, len(index))
    quantiles = pd.DataFrame(
        np.column_stack([median - rng.uniform(1, 4, len(index)), median, median + 3.0]),
        index=index,
        columns=COLUMNS,
    )
    paths = sample_paths(quantiles, known_until, n=4000, seed=3)
    for day in range(3):
        cols = slice(48 * day, 48 * (day + 1))
        z = [standardise(path[cols], quantiles.to_numpy()[cols]) for path in paths]
        assert equicorrelation(z) == pytest.approx(ERROR_CORRELATION[day], abs=0.05)
    # Across lead days the slots still move together, less than within the later day.
    first = paths[:, 0] - median[0]
    third = paths[:, 48 * 2] - median[48 * 2]
    across = np.corrcoef(first, third)[0, 1]
    assert 0 < across < ERROR_CORRELATION[2]
