"""Reused figures: a chart drawn on a kept figure is pixel-identical to the same chart drawn
on a new one, whatever chart the figure showed before (render A, B, A; compare with fresh A)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from flexcalc.backtest import backtest
from flexcalc.battery import Battery, optimise_days, plan
from flexcalc.charts import backtest as backtest_charts
from flexcalc.charts import battery as battery_charts
from flexcalc.charts import footprint as footprint_charts
from flexcalc.charts import forecast as forecast_charts
from flexcalc.charts import impact as impact_charts
from flexcalc.footprint import monthly_heatmap
from flexcalc.sources.sample import sample_carbon, sample_prices
from flexcalc.windows import best_window

pytestmark = pytest.mark.usefixtures("every_chart_drawn")  # tests of the drawing

MIX_A = {"gas": 28.4, "wind": 31.2, "nuclear": 14.9, "imports": 9.1, "solar": 4.2}
MIX_B = {"wind": 61.0, "coal": 2.0, "biomass": 12.0}


def fresh(render: Callable[[], bytes]) -> bytes:
    """``render`` on a new thread, which has no kept figures: a chart drawn from scratch."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(render).result()


def pixels(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    carbon = sample_carbon().frame["forecast"]
    return pd.concat({"price": sample_prices().prices, "carbon": carbon}, axis=1, sort=True)


def pairs(history: pd.DataFrame) -> dict[str, tuple[Callable[[], bytes], Callable[[], bytes]]]:
    """Two different charts (A, B) of each kind: other data, spans, windows, titles, signs."""
    a_start = pd.Timestamp("2024-06-08 16:30Z")  # negative prices on the Sunday
    b_start = pd.Timestamp("2023-01-10 08:00Z")  # a winter weekday, all prices positive
    a = history.loc[a_start : a_start + pd.Timedelta(hours=29)]
    b = history.loc[b_start : b_start + pd.Timedelta(hours=40)]
    win_a = {"Cheapest": best_window(a, 8), "Greenest": best_window(a, 8, "carbon")}
    win_b = {"Cheapest": best_window(b, 3)}
    year = history.loc["2022-12-12":"2023-12-11 23:30"].dropna()
    battery = Battery(13.5, 5, 0.9)
    plan_a = plan(year.loc["2023-06-14 23:00":"2023-06-15 22:30"], battery)
    plan_b = plan(year.loc["2023-01-20 00:00":"2023-01-21 23:30"], Battery(5, 2.5, 0.85))
    days_a, _ = optimise_days(year.loc["2023-03-01":"2023-05-31 23:30"], battery)
    days_b, _ = optimise_days(year.loc["2023-09-01":"2023-09-20 23:30"], battery)
    back_a = backtest(year["price"], year["carbon"], 8, dt.time(18), pd.Timedelta(hours=24),
                      dt.date(2023, 1, 1), dt.date(2023, 6, 1))  # fmt: skip
    back_b = backtest(year["price"], year["carbon"], 2, dt.time(7), pd.Timedelta(hours=12),
                      dt.date(2023, 8, 1), dt.date(2023, 9, 1))  # fmt: skip
    monthly = year["carbon"].resample("MS").sum() / 2000
    weeks = pd.date_range("2024-01-01", periods=26, freq="W-MON")
    days = pd.date_range("2024-03-01", periods=9, freq="D")
    impact_a = pd.DataFrame({"kg": np.linspace(0.5, 4, 26), "gbp": np.linspace(0.1, 1, 26)}, weeks)
    impact_b = pd.DataFrame({"kg": np.linspace(9, 1, 9), "gbp": np.linspace(3, -1, 9)}, days)
    fc = forecast_charts
    return {
        "forecast": (
            lambda: fc.forecast_chart(a, win_a, now=a_start, title="Best 4 h", source="Live"),
            lambda: fc.forecast_chart(b, win_b, now=None, title="Winter", source="Sample data"),
        ),
        "prices": (
            lambda: fc.prices_chart(a["price"], now=a_start, title="Prices"),
            lambda: fc.prices_chart(b["price"] * 3, windows=win_b, title="Dear", source="x"),
        ),
        "carbon": (
            lambda: fc.carbon_chart(a["carbon"], MIX_A, now=a_start, title="Carbon"),
            lambda: fc.carbon_chart(b["carbon"] * 0.4, MIX_B, title="Windy", source="API"),
        ),
        "battery plan": (
            lambda: battery_charts.plan_png(plan_a),
            lambda: battery_charts.plan_png(plan_b, title="Two days"),
        ),
        "battery history": (
            lambda: battery_charts.history_png(days_a),
            lambda: battery_charts.history_png(-days_b, title="Losses"),
        ),
        "backtest": (
            lambda: backtest_charts.cumulative_savings_png(back_a),
            lambda: backtest_charts.cumulative_savings_png(back_b, title="August"),
        ),
        "heatmap": (
            lambda: footprint_charts.heatmap_png(monthly_heatmap(year["carbon"])),
            lambda: footprint_charts.heatmap_png(
                monthly_heatmap(year["carbon"].loc["2023-04-01":]) * 2, title="Late", unit="g"
            ),
        ),
        "storage": (
            lambda: footprint_charts.storage_png(monthly, monthly * 1.1),
            lambda: footprint_charts.storage_png(monthly.iloc[:4] * 9, monthly.iloc[:4] * 0.5),
        ),
        "impact": (
            lambda: impact_charts.impact_png(impact_a, "Impact", "week"),
            lambda: impact_charts.impact_png(impact_b, "Daily", "day"),
        ),
    }


KINDS = ["forecast", "prices", "carbon", "battery plan", "battery history", "backtest",
         "heatmap", "storage", "impact"]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_reused_figure_never_shows_the_previous_chart(history: pd.DataFrame, kind: str) -> None:
    render_a, render_b = pairs(history)[kind]

    def a_b_a() -> tuple[bytes, bytes, bytes]:
        return render_a(), render_b(), render_a()

    first_a, b, again_a = fresh(a_b_a)
    new_a, new_b = fresh(render_a), fresh(render_b)
    assert not np.array_equal(pixels(new_a), pixels(new_b))  # A and B really differ
    assert np.array_equal(pixels(first_a), pixels(new_a))
    assert np.array_equal(pixels(b), pixels(new_b))  # B shows nothing of A
    assert np.array_equal(pixels(again_a), pixels(new_a))  # nor A anything of B


def test_each_thread_draws_on_its_own_figures(history: pd.DataFrame) -> None:
    """Concurrent renders of the same kind on several threads give the single-thread PNGs."""
    render_a, render_b = pairs(history)["forecast"]
    expected = {id(render_a): fresh(render_a), id(render_b): fresh(render_b)}
    jobs = [render_a, render_b] * 6
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda render: (id(render), render()), jobs))
    for key, png in results:
        assert np.array_equal(pixels(png), pixels(expected[key]))


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_axis_labels_are_inside_the_figure_clear_of_tick_labels(
    history: pd.DataFrame, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Axis labels sit at fixed insets (not measured per draw): each must still be whole on the
    image and must not cover any tick label."""
    figures = []
    for module in (backtest_charts, battery_charts, footprint_charts, forecast_charts,
                   impact_charts):  # fmt: skip
        real = module.to_png
        monkeypatch.setattr(module, "to_png", lambda fig, real=real: (figures.append(fig),
                                                                      real(fig))[1])  # fmt: skip
    for render in pairs(history)[kind]:
        render()
        fig = figures[-1]
        renderer = fig.canvas.get_renderer()
        page = fig.bbox
        labels = [
            axis.label for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) if axis.label.get_text()
        ]
        assert labels  # every chart kind names at least one axis
        ticks = [
            t.get_window_extent(renderer)
            for ax in fig.axes
            for t in (*ax.get_xticklabels(), *ax.get_yticklabels())
            if t.get_visible() and t.get_text()
        ]
        for label in labels:
            box = label.get_window_extent(renderer)
            assert page.x0 <= box.x0 and box.x1 <= page.x1, label.get_text()
            assert page.y0 <= box.y0 and box.y1 <= page.y1, label.get_text()
            assert not any(box.overlaps(tick) for tick in ticks), label.get_text()
