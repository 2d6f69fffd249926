"""Bars drawn as one collection (issue 10): the same rectangles ``Axes.bar`` drew, gaps left
out, one artist per series, and every chart kind still showing its bars."""

from __future__ import annotations

import io

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

from flexcalc.charts.battery import history_png
from flexcalc.charts.common import PALETTE, bars, date_nums, new_figure, png_size
from flexcalc.charts.footprint import storage_png
from flexcalc.charts.forecast import _shade_windows, prices_chart
from flexcalc.charts.impact import CO2_COLOUR, impact_png
from flexcalc.sources.sample import sample_prices
from flexcalc.timeslots import SLOT
from flexcalc.windows import Window, best_window

pytestmark = pytest.mark.usefixtures("every_chart_drawn")  # tests of the drawing

heights = st.lists(
    st.one_of(st.floats(-50, 100, allow_nan=False), st.just(float("nan"))), max_size=60
)


def share_of(png: bytes, colour: str, tol: float = 0.04, alpha: float = 1.0) -> float:
    """Fraction of the image's pixels of ``colour`` (drawn with ``alpha`` over white)."""
    rgb = alpha * np.array(to_rgb(colour)) + (1 - alpha)
    image = mpimg.imread(io.BytesIO(png), format="png")[..., :3]
    return float((np.abs(image - rgb).max(axis=-1) < tol).mean())


@settings(max_examples=40, deadline=None)
@given(values=heights, width=st.floats(0.1, 2.0), bottom=st.floats(-5, 5))
def test_bars_are_the_rectangles_axes_bar_draws_without_the_gaps(
    values: list[float], width: float, bottom: float
) -> None:
    ax = new_figure().add_subplot()
    left = np.arange(len(values), dtype=float) * 2.5
    collection = bars(ax, left, values, width, "tab:blue", bottom=bottom)
    expected = [  # brute force: one rectangle per known value, as Axes.bar(align="edge")
        Rectangle((x, bottom), width, v).get_bbox().get_points()
        for x, v in zip(left, values, strict=True)
        if not np.isnan(v)
    ]
    got = [path.get_extents().get_points() for path in collection.get_paths()]
    assert len(got) == len(expected)
    for box, want in zip(got, expected, strict=True):
        np.testing.assert_allclose(np.sort(box, axis=0), np.sort(want, axis=0), atol=1e-9)
    assert len(ax.patches) == 0 and list(ax.collections) == [collection]  # one artist


def test_price_bars_keep_their_colours_and_negative_prices() -> None:
    prices = sample_prices().prices.loc["2024-06-08 16:30Z":"2024-06-09 21:30Z"]
    assert (prices < 0).any()
    png = prices_chart(prices, title="Prices")
    assert png_size(png) == (1000, 560)
    assert share_of(png, PALETTE["price"]) > 0.05
    assert share_of(png, PALETTE["negative"]) > 0.0005  # the negative bars, below zero


def test_every_bar_chart_kind_still_draws_its_bars() -> None:
    days = pd.DataFrame(
        {"saving_gbp": np.linspace(0.2, 3.0, 60)},
        index=pd.date_range("2023-01-01", periods=60, freq="D").date,
    )
    history = history_png(days)
    assert png_size(history) == (1000, 560) and share_of(history, "tab:blue", alpha=0.5) > 0.02
    months = pd.date_range("2023-01-01", periods=12, freq="MS")
    monthly = pd.Series(np.linspace(5, 20, 12), index=months)
    storage = storage_png(monthly, monthly * 1.2)
    assert share_of(storage, "tab:green", alpha=0.7) > 0.03
    weeks = pd.date_range("2024-01-01", periods=10, freq="W-MON")
    by_week = pd.DataFrame({"kg": np.linspace(0.5, 4, 10), "gbp": np.linspace(0.1, 1, 10)}, weeks)
    impact = impact_png(by_week, "Impact", "week")
    assert png_size(impact) == (1000, 480) and share_of(impact, CO2_COLOUR) > 0.03


def test_window_shading_is_one_band_per_run_of_slots() -> None:
    frame = sample_prices().prices.loc["2024-06-08 16:30Z":"2024-06-09 21:30Z"].to_frame("price")
    ax = new_figure().add_subplot()
    window = best_window(frame, 8)
    slots = window.slots
    split = Window(slots[0], slots[-1] + SLOT, slots[:3].append(slots[5:]), None, None)
    _shade_windows(ax, {"Cheapest": window, "Split": split})
    # all bands one collection, all strips another: one polygon per run of adjacent slots
    bands, strips = ax.collections
    assert len(bands.get_paths()) == len(strips.get_paths()) == 1 + 2
    x = [sorted({*path.vertices[:, 0]}) for path in bands.get_paths()]
    start, end = date_nums(window.start), date_nums(window.end)
    assert x[0] == [start, end]
    assert x[1] == [start, date_nums(slots[3])] and x[2] == [date_nums(slots[5]), end]
