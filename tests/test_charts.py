"""Chart PNGs: right size, no pyplot, readable UK-time axes on DST days, gaps, negative prices."""

from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.dates import num2date

from flexcalc.charts import carbon_chart, forecast_chart, new_figure, png_size, prices_chart
from flexcalc.charts.common import PALETTE, WINDOW_COLOURS, format_time_axis
from flexcalc.intensity import intensity_index
from flexcalc.sources.sample import sample_carbon, sample_prices
from flexcalc.timeslots import LONDON
from flexcalc.windows import best_window

pytestmark = pytest.mark.usefixtures("every_chart_drawn")  # tests of the drawing

REPO = Path(__file__).resolve().parents[1]
MIX = {
    "gas": 28.4,
    "wind": 31.2,
    "nuclear": 14.9,
    "imports": 9.1,
    "biomass": 6.0,
    "solar": 4.2,
    "hydro": 1.7,
    "coal": 0.9,
    "other": 3.6,
}


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    """Real region-C prices and national carbon forecasts (bundled sample data)."""
    carbon = sample_carbon().frame["forecast"]
    return pd.concat({"price": sample_prices().prices, "carbon": carbon}, axis=1, sort=True)


def span(frame: pd.DataFrame, start_utc: str, hours: float) -> pd.DataFrame:
    start = pd.Timestamp(start_utc, tz="UTC")
    return frame.loc[start : start + pd.Timedelta(hours=hours) - pd.Timedelta(minutes=30)]


def pixels(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")[..., :3]


def share_of(png: bytes, colour: str, tol: float = 0.04) -> float:
    """Fraction of the image's pixels within ``tol`` of ``colour``."""
    rgb = np.array(to_rgb(colour))
    return float((np.abs(pixels(png) - rgb).max(axis=-1) < tol).mean())


def test_forecast_chart_is_a_png_of_the_requested_size(history: pd.DataFrame) -> None:
    frame = span(history, "2023-06-14 15:00", 32)
    windows = {"Cheapest": best_window(frame, 8), "Greenest": best_window(frame, 8, "carbon")}
    png = forecast_chart(frame, windows, now=frame.index[0], title="Best 4 h", source="Sample")
    assert png.startswith(b"\x89PNG") and png_size(png) == (1000, 560)
    small = forecast_chart(frame, windows, width_px=800, height_px=450)
    assert png_size(small) == (800, 450)
    # each window is drawn: its solid marker strip colour is on the image
    for colour in WINDOW_COLOURS[:2]:
        assert share_of(png, colour) > 0.001


def test_charts_never_import_pyplot() -> None:
    code = (
        "import sys, pandas as pd\n"
        "import flexcalc.charts as c\n"
        "idx = pd.date_range('2024-01-01', periods=48, freq='30min', tz='UTC')\n"
        "f = pd.DataFrame({'price': range(48), 'carbon': range(48)}, index=idx)\n"
        "c.forecast_chart(f); c.prices_chart(f['price'])\n"
        "c.carbon_chart(f['carbon'], {'gas': 50})\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_rendering_is_thread_safe_and_deterministic(history: pd.DataFrame) -> None:
    frames = [span(history, day, 24) for day in ("2023-03-25 12:00", "2023-07-01 12:00")] * 3
    expected = [forecast_chart(f, title="t") for f in frames[:2]] * 3
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(lambda f: forecast_chart(f, title="t"), frames))
    assert got == expected


@pytest.mark.parametrize(("day", "slots"), [("2023-03-26", 46), ("2023-10-29", 50)])
def test_dst_day_axis_ticks_sit_on_uk_wall_clock_hours(day: str, slots: int) -> None:
    start = pd.Timestamp(day).tz_localize(LONDON).tz_convert("UTC")
    end = start + pd.Timedelta(minutes=30 * slots)
    fig = new_figure()
    ax = fig.add_subplot()
    format_time_axis(ax, start, end)
    local = [pd.Timestamp(num2date(x)).round("s").tz_convert(LONDON) for x in ax.get_xticks()]
    assert local[0].hour == 0 and local[0].date().isoformat() == day
    hours = [t.hour for t in local if t.date().isoformat() == day]
    # 1000 px: a label every 2 h. Spring: 02:00 does not exist, and 00:00 -> 04:00 is 3 h.
    assert hours == ([0, *range(4, 24, 2)] if slots == 46 else list(range(0, 24, 2)))
    assert all(t.minute == 0 for t in local)
    labels = [ax.xaxis.get_major_formatter()(x, i) for i, x in enumerate(ax.get_xticks())]
    assert labels[0].startswith("00:00\n") and day[-2:] in labels[0]


def test_time_axis_thins_labels_on_narrow_charts() -> None:
    start = pd.Timestamp("2023-03-25 12:00", tz="UTC")  # 36 h across the spring change
    counts = {}
    for width in (1000, 800, 500):
        ax = new_figure(width_px=width).add_subplot()
        format_time_axis(ax, start, start + pd.Timedelta(hours=36))
        ticks = np.sort(ax.get_xticks())
        counts[width] = len(ticks)
        gaps_px = np.diff(ticks) / (36 / 24) * 0.8 * width
        assert gaps_px.min() >= 45  # labels ~40 px wide never collide
    assert counts[1000] > counts[800] > counts[500] >= 5


@pytest.mark.parametrize("evening", ["2023-03-25 12:00", "2023-10-28 12:00"])
def test_forecast_chart_renders_dst_days(history: pd.DataFrame, evening: str) -> None:
    frame = span(history, evening, 36)
    assert len(frame) == 72  # 36 real hours whatever the clocks do
    png = forecast_chart(frame, {"Cheapest": best_window(frame, 6)}, now=frame.index[0])
    assert png_size(png) == (1000, 560)


def test_chart_with_gaps_and_no_carbon_tail(history: pd.DataFrame) -> None:
    # 2023-10-20 22:00Z .. 2023-10-22 19:00Z carbon is missing in the recorded data
    frame = span(history, "2023-10-20 12:00", 40).drop(
        pd.date_range("2023-10-21 03:00", periods=4, freq="30min", tz="UTC")
    )
    assert frame["carbon"].isna().any()
    png = forecast_chart(frame, {"Cheapest": best_window(frame, 6)}, now=frame.index[0])
    assert png_size(png) == (1000, 560)
    assert share_of(png, PALETTE["carbon"]) > 0.0005  # the known part of the line is drawn


def test_all_negative_prices_are_coloured_as_negative(history: pd.DataFrame) -> None:
    frame = span(history, "2023-07-02 00:00", 24).copy()
    frame["price"] = -frame["price"].abs() - 1
    png = forecast_chart(frame, {"Cheapest": best_window(frame, 4)}, title="Paid to use")
    assert share_of(png, PALETTE["negative"]) > 0.03
    assert share_of(png, PALETTE["price"]) < 0.0005  # no positive bars, no positive legend key
    mixed = forecast_chart(span(history, "2023-07-01 12:00", 36))  # a real negative afternoon
    assert share_of(mixed, PALETTE["negative"]) > 0.005
    assert share_of(mixed, PALETTE["price"]) > 0.03


def test_empty_frame_gives_a_no_data_png() -> None:
    empty = pd.DataFrame({"price": [], "carbon": []}, index=pd.DatetimeIndex([], tz="UTC"))
    png = forecast_chart(empty, title="Nothing")
    assert png_size(png) == (1000, 560)


def test_prices_chart(history: pd.DataFrame) -> None:
    prices = span(history, "2023-07-01 15:00", 32)["price"]
    png = prices_chart(prices, now=prices.index[0], title="Prices", source="Offline sample data")
    assert png_size(png) == (1000, 560)
    assert share_of(png, PALETTE["negative"]) > 0.005


def test_carbon_chart_with_mix_and_api_bands(history: pd.DataFrame) -> None:
    carbon = span(history, "2023-03-14 12:00", 48)["carbon"]
    png = carbon_chart(carbon, MIX, now=carbon.index[0], title="Carbon", source="Sample")
    assert png_size(png) == (1000, 620)
    assert share_of(png, "#4C9BE8") > 0.005  # the wind segment of the mix bar
    index = pd.Series("very high", index=carbon.index)
    red = carbon_chart(carbon, None, index=index, width_px=900, height_px=500)
    assert png_size(red) == (900, 500)
    assert share_of(red, "#D73027") > 0.002


def test_carbon_bands() -> None:
    assert [intensity_index(v) for v in (20, 80, 150, 250, 320)] == [
        "very low",
        "low",
        "moderate",
        "high",
        "very high",
    ]


def test_autumn_night_axis_shows_the_repeated_hour() -> None:
    start = pd.Timestamp("2023-10-28 21:00", tz="UTC")  # 22:00 BST .. 07:00 GMT = 10 h
    ax = new_figure().add_subplot()
    format_time_axis(ax, start, start + pd.Timedelta(hours=10))
    labels = [ax.xaxis.get_major_formatter()(x, i) for i, x in enumerate(ax.get_xticks())]
    hours = [label.split("\n")[0] for label in labels]
    assert hours == [
        "22:00",
        "23:00",
        "00:00",
        "01:00",
        "01:00",
        *[f"0{h}:00" for h in range(2, 8)],
    ]
