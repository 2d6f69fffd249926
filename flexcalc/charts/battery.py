"""Battery charts: the plan (SoC and power over prices) and savings over history (Figure + Agg)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure

from flexcalc.battery import Plan
from flexcalc.charts.common import (
    FONT,
    bars,
    fixed_figure,
    reused_figure,
    set_ylabel,
    style_axes,
    to_png,
)
from flexcalc.charts.key import add_key
from flexcalc.charts.render_cache import rendered_once
from flexcalc.timeslots import LONDON


def _plan_figure() -> Figure:
    """Prices above; power bars with the state-of-charge axis twinned below; UK-time x axis."""
    fig = fixed_figure()
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 1.4])
    top.xaxis_date()
    bottom.xaxis_date()
    style_axes(top)
    style_axes(bottom)
    bottom.twinx().tick_params(labelsize=FONT["tick"])
    # slanted date labels; tick labels made later copy these (kept fixed margin)
    fig.autofmt_xdate(bottom=fig.subplotpars.bottom)
    return fig


def _history_figure() -> Figure:
    fig = fixed_figure()
    ax = fig.add_subplot()
    ax.xaxis_date()
    style_axes(ax)
    ax.twinx().tick_params(labelsize=FONT["tick"])
    # slanted date labels; tick labels made later copy these (kept fixed margin)
    fig.autofmt_xdate(bottom=fig.subplotpars.bottom)
    return fig


@rendered_once("battery plan")
def plan_png(plan: Plan, title: str = "") -> bytes:
    """Top: import price per slot (p/kWh). Bottom: charge (up) / discharge+export (down) power
    in kW as bars and the state of charge (kWh) as a line. UK time on the x axis."""
    s = plan.schedule
    x = s.index.tz_convert(LONDON).tz_localize(None)
    width = 0.5 / 24 * 0.9
    fig = reused_figure("battery plan", _plan_figure)
    top, bottom, soc_ax = fig.axes
    left = date2num(x.to_numpy())
    bars(top, left, s["price"], width, "tab:blue", alpha=0.7)
    if "export_price" in s:
        top.step(x, s["export_price"], where="post", color="tab:orange", label="export price")
        top.legend(fontsize=FONT["note"])
    set_ylabel(top, "price p/kWh")
    top.axhline(0, color="grey", linewidth=0.6)
    top.set_title(title or "Battery plan", fontsize=FONT["label"], loc="left")
    bars(bottom, left, s["charge_kw"], width, "tab:green", label="charge")
    out = s["discharge_kw"] + s["export_kw"]
    bars(bottom, left, -out, width, "tab:red", label="discharge")
    set_ylabel(bottom, "kW (+ charge)")
    bottom.axhline(0, color="grey", linewidth=0.6)
    ends = x + pd.Timedelta(minutes=30)
    soc = np.concatenate(([plan.start_soc_kwh], s["soc_kwh"].to_numpy()))
    soc_ax.plot(ends.insert(0, x[0]), soc, color="black", label="state of charge")
    soc_ax.set_ylabel("SoC kWh", fontsize=FONT["label"])
    soc_ax.set_ylim(bottom=0)
    handles = bottom.get_legend_handles_labels()[0] + soc_ax.get_legend_handles_labels()[0]
    add_key(bottom, handles, anchor=(0, 1), loc="upper left", fontsize=FONT["note"], ncol=3,
            frame=True)  # fmt: skip
    bottom.xaxis.set_major_formatter(DateFormatter("%a %H:%M"))
    return to_png(fig)


@rendered_once("battery history")
def history_png(days: pd.DataFrame, title: str = "") -> bytes:
    """Daily £ saved (bars) and cumulative £ saved (line) by the optimised battery."""
    x = pd.to_datetime(pd.Index(days.index))
    fig = reused_figure("battery history", _history_figure)
    ax, ax2 = fig.axes
    centre = date2num(x.to_numpy())  # a bar per day, 0.8 day wide, centred like Axes.bar
    bars(ax, centre - 0.4, days["saving_gbp"], 0.8, "tab:blue", alpha=0.5, label="£ saved per day")
    set_ylabel(ax, "£ per day")
    ax2.plot(x, days["saving_gbp"].cumsum(), color="black", label="cumulative £")
    ax2.set_ylabel("cumulative £", fontsize=FONT["label"])
    ax.set_title(title or "Battery savings over history", fontsize=FONT["label"], loc="left")
    return to_png(fig)
