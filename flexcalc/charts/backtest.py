"""Backtest chart: cumulative £ and kgCO2 saved by flexibility, day by day (Figure + Agg)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from flexcalc.backtest import BacktestResult
from flexcalc.charts.common import FONT, fixed_figure, reused_figure, style_axes, to_png
from flexcalc.charts.key import add_key
from flexcalc.charts.render_cache import rendered_once


def _build() -> Figure:
    fig = fixed_figure()
    ax = fig.add_subplot()
    ax.xaxis_date()  # date locator and formatter as built, so a reset restores them
    style_axes(ax)
    ax.twinx().tick_params(labelsize=FONT["tick"])
    # slanted date labels; tick labels made later copy these (kept fixed margin)
    fig.autofmt_xdate(bottom=fig.subplotpars.bottom)
    return fig


@rendered_once("backtest")
def cumulative_savings_png(result: BacktestResult, title: str = "") -> bytes:
    """Two lines over the evaluated days: cumulative £ saved by the cheapest window and
    cumulative kgCO2 saved by the greenest window, each against the fixed start; skipped days
    (missing data) are shaded grey."""
    days = result.days
    x = pd.to_datetime(pd.Index(days.index))
    fig = reused_figure("backtest", _build)
    ax, ax2 = fig.axes
    ax.plot(x, days["saved_gbp"].cumsum(), color="tab:blue", label="£ saved (cheapest window)")
    ax.set_ylabel("cumulative £ saved", color="tab:blue", fontsize=FONT["label"])
    ax.axhline(0, color="grey", linewidth=0.6)
    ax2.plot(x, days["saved_kg"].cumsum(), color="tab:green", label="kgCO2 saved (greenest)")
    ax2.set_ylabel("cumulative kgCO2 saved", color="tab:green", fontsize=FONT["label"])
    for day in result.skipped["day"]:  # days without data: shaded, not drawn as savings
        left = pd.Timestamp(day)
        ax.axvspan(left, left + pd.Timedelta(days=1), color="#DDDDDD", zorder=0)
    lines = ax.get_lines()[:1] + ax2.get_lines()
    add_key(ax, lines, anchor=(0, 1), loc="upper left", fontsize=FONT["note"], frame=True)
    ax.set_title(title or "What flexibility would have saved", fontsize=FONT["label"], loc="left")
    return to_png(fig)
