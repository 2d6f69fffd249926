"""Benchmark: time to render each chart kind as a PNG, the old way and the new way, same run.

Run from the repository root:  .venv/bin/python -m bench.bench_charts  [--repeats N]
(or .venv/bin/python bench/bench_charts.py). Inputs come from the bundled sample (region C
Agile prices, GB carbon). "old" is the drawing before issue 10, kept here as the baseline: a new
figure per chart, one ``Rectangle`` patch per bar (``Axes.bar``), the constrained layout and
``savefig`` at zlib level 6; "new" is the code as it is: this thread's reused figure
(``common.reused_figure``), one ``PolyCollection`` per bar series, fixed margins, and
``common.encode_png`` (deflate level 1, no row filter), keys and texts laid out once (ADR 0090).
Every render is drawn (``render_cache.charts.disabled()``); ``reuse`` then times the render cache
(ADR 0091): 200 threads asking for one chart, and a cache hit per kind.
Old and new renders alternate, best of N each, so machine load hits both alike; times are CPU
time of the rendering process (``time.process_time``), which other processes do not stretch.
Target: every chart kind <= 40 ms (new).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import platform
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flexcalc.backtest import backtest
from flexcalc.battery import Battery, optimise_days, plan
from flexcalc.charts import backtest as backtest_charts
from flexcalc.charts import battery as battery_charts
from flexcalc.charts import common, render_cache
from flexcalc.charts import footprint as footprint_charts
from flexcalc.charts import forecast as forecast_charts
from flexcalc.charts import impact as impact_charts
from flexcalc.footprint import monthly_heatmap
from flexcalc.sources.sample import sample_carbon, sample_prices
from flexcalc.windows import best_window

TARGET_MS = 40.0
CHART_MODULES = (backtest_charts, battery_charts, footprint_charts, forecast_charts, impact_charts)
MIX = {"gas": 28.4, "wind": 31.2, "nuclear": 14.9, "imports": 9.1, "biomass": 6.0, "solar": 4.2}


def old_bars(ax, left, heights, width, colours, *, bottom=0.0, edgecolor="none",  # type: ignore[no-untyped-def]
             linewidth=0.0, alpha=None, zorder=2, label=None):  # fmt: skip
    """The baseline: ``Axes.bar`` as the charts called it before, one Rectangle per bar."""
    return ax.bar(
        left,
        heights,
        width=width,
        bottom=bottom,
        align="edge",
        color=colours,
        edgecolor=edgecolor,
        linewidth=linewidth,
        alpha=alpha,
        zorder=zorder,
        label=label,
    )


def old_figure(**margins: float) -> Figure:
    """The baseline layout: the constrained layout engine (an extra layout pass per save)."""
    fig = common.new_figure()
    fig.set_layout_engine("constrained")
    return fig


def old_reused_figure(key: object, build: Callable[[], Figure]) -> Figure:
    """The baseline: a new figure (and axes) for every chart."""
    return build()


def old_to_png(fig: Figure) -> bytes:
    """The baseline encoder: ``savefig`` at zlib level 6."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, facecolor=fig.get_facecolor())
    return buffer.getvalue()


@contextlib.contextmanager
def old_drawing() -> Iterator[None]:
    """Every chart module drawing bars as patches on new constrained-layout figures, PNGs
    through ``savefig`` at the default zlib level 6."""
    with contextlib.ExitStack() as stack:
        for module in CHART_MODULES:
            for name, old in (
                ("bars", old_bars),
                ("fixed_figure", old_figure),
                ("to_png", old_to_png),
                ("reused_figure", old_reused_figure),
            ):
                if hasattr(module, name):
                    stack.enter_context(mock.patch.object(module, name, old))
        yield


def cases() -> dict[str, Callable[[], bytes]]:
    """One render per chart kind, on the inputs a user's question would give it."""
    carbon = sample_carbon().frame
    history = pd.concat(
        {"price": sample_prices().prices, "carbon": carbon["forecast"]}, axis=1, sort=True
    )
    day = pd.Timestamp("2024-06-08 16:30Z")  # a Saturday with negative prices on Sunday
    frame = history.loc[day : day + pd.Timedelta(hours=29)]
    windows = {"Cheapest": best_window(frame, 8), "Greenest": best_window(frame, 8, "carbon")}
    year = history.loc["2022-12-12":"2023-12-11 23:30"].dropna()
    battery = Battery(13.5, 5, 0.9)
    one_plan = plan(year.loc["2023-06-14 23:00":"2023-06-15 22:30"], battery)
    days, _ = optimise_days(year, battery)
    result = backtest(
        year["price"], year["carbon"], 8, dt.time(18), pd.Timedelta(hours=24),
        dt.date(2023, 1, 1), dt.date(2023, 12, 1),
    )  # fmt: skip
    monthly = year["carbon"].resample("MS").sum() / 2000
    heatmap = monthly_heatmap(year["carbon"])  # the data, not the chart: computed once
    weeks = pd.date_range("2024-01-01", periods=26, freq="W-MON")
    impact = pd.DataFrame({"kg": np.linspace(0.5, 4, 26), "gbp": np.linspace(0.1, 1, 26)}, weeks)
    return {
        "forecast (prices+carbon)": lambda: forecast_charts.forecast_chart(
            frame, windows, now=day, title="Best 4 h", source="Live"
        ),
        "prices": lambda: forecast_charts.prices_chart(frame["price"], now=day, title="Prices"),
        "carbon + mix": lambda: forecast_charts.carbon_chart(
            frame["carbon"], MIX, now=day, title="Carbon"
        ),
        "battery plan": lambda: battery_charts.plan_png(one_plan),
        "battery history": lambda: battery_charts.history_png(days),
        "backtest": lambda: backtest_charts.cumulative_savings_png(result),
        "footprint heatmap": lambda: footprint_charts.heatmap_png(heatmap),
        "storage by month": lambda: footprint_charts.storage_png(monthly, monthly * 1.1),
        "impact": lambda: impact_charts.impact_png(impact, "Impact", "week"),
    }


def empty_axes() -> bytes:
    """The least any chart here costs: a Slack-sized figure with one empty axes, as PNG."""
    fig = common.new_figure()
    fig.add_subplot()
    return common.to_png(fig)


def timed(render: Callable[[], bytes]) -> tuple[float, int]:
    """CPU seconds of this process for one render (other engineers' load on a shared machine
    stretches wall time, not this), and the PNG's size."""
    start = time.process_time()
    png = render()
    return time.process_time() - start, len(png)


def compare(renders: dict[str, Callable[[], bytes]], repeats: int) -> list[str]:
    """Print old vs new for every chart kind; return the kinds over the target."""
    header = ("old ms", "new ms", "ratio", "old KB", "new KB")
    print(f"  {'chart':26s} " + " ".join(f"{h:>7s}" for h in header))
    failed = []
    for name, render in renders.items():
        with old_drawing():
            render()  # warm caches (fonts, text layout) for both ways
        render()
        old, new = [], []
        for _ in range(repeats):
            with old_drawing():
                old.append(timed(render))
            new.append(timed(render))
        old_s, new_s = min(t for t, _ in old), min(t for t, _ in new)
        print(
            f"  {name:26s} {old_s * 1000:8.1f} {new_s * 1000:8.1f} {old_s / new_s:5.1f}x "
            f"{old[0][1] / 1024:7.0f} {new[0][1] / 1024:7.0f}"
        )
        if new_s * 1000 > TARGET_MS:
            failed.append(name)
    return failed


def reuse(renders: dict[str, Callable[[], bytes]], users: int) -> None:
    """``users`` threads asking for the same chart at once, then each kind asked again: renders
    counted by the cache, and the CPU time of answering from it (digest of the inputs)."""
    render_cache.charts.clear()
    forecast = renders["forecast (prices+carbon)"]
    start = time.process_time()
    with ThreadPoolExecutor(max_workers=8) as pool:
        pngs = set(pool.map(lambda _: forecast(), range(users)))
    burst = time.process_time() - start
    stats = render_cache.charts.stats()
    print(
        f"reuse: {users} users, one forecast chart: {stats.renders} render(s), {len(pngs)} "
        f"distinct PNG(s), {burst * 1000:.0f} ms CPU in all"
    )
    for name, render in renders.items():
        render()  # drawn and kept (or already kept)
        hit = min(timed(render)[0] for _ in range(5))
        print(f"  {name:26s} cache hit {hit * 1000:6.2f} ms")
    stats = render_cache.charts.stats()
    print(f"  kept: {stats.entries} charts, {stats.bytes / 1024:.0f} KB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="best of N for each way")
    parser.add_argument("--users", type=int, default=200, help="same chart asked at once")
    args = parser.parse_args(argv)
    print(
        f"Chart bench: best of {args.repeats}, old and new alternating, CPU ms; Python "
        f"{platform.python_version()}, matplotlib {matplotlib.__version__}, {platform.machine()}"
    )
    renders = cases()
    with render_cache.charts.disabled():  # every render drawn here; the cache is timed below
        failed = compare(renders, args.repeats)
        floor = min(timed(empty_axes)[0] for _ in range(args.repeats))
        kept = common.new_figure()
        kept.add_subplot()
        redraw = min(timed(lambda: common.to_png(kept))[0] for _ in range(args.repeats))
    print(f"  {'floor: one empty axes':26s} {'':7s} {floor * 1000:8.1f}   (matplotlib's own cost)")
    print(f"  {'  the same, figure kept':26s} {'':7s} {redraw * 1000:8.1f}   (draw + encode only)")
    verdict = "PASS" if not failed else f"FAIL ({', '.join(failed)})"
    print(f"target: every chart <= {TARGET_MS:.0f} ms ... {verdict}")
    reuse(renders, args.users)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
