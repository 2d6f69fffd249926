"""Backtest chart: cumulative £ and kgCO2 saved by flexibility, day by day (Figure + Agg)."""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from flexcalc.backtest import BacktestResult


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def cumulative_savings_png(result: BacktestResult, title: str = "") -> bytes:
    """Two lines over the evaluated days: cumulative £ saved by the cheapest window and
    cumulative kgCO2 saved by the greenest window, each against the fixed start."""
    days = result.days
    x = pd.to_datetime(pd.Index(days.index))
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(x, days["saved_gbp"].cumsum(), color="tab:blue", label="£ saved (cheapest window)")
    ax.set_ylabel("cumulative £ saved", color="tab:blue")
    ax.axhline(0, color="grey", linewidth=0.6)
    ax2 = ax.twinx()
    ax2.plot(x, days["saved_kg"].cumsum(), color="tab:green", label="kgCO2 saved (greenest)")
    ax2.set_ylabel("cumulative kgCO2 saved", color="tab:green")
    lines = ax.get_lines()[:1] + ax2.get_lines()
    ax.legend(lines, [str(line.get_label()) for line in lines], loc="upper left", fontsize=8)
    ax.set_title(title or "What flexibility would have saved", fontsize=10)
    fig.autofmt_xdate()
    return _png(fig)
