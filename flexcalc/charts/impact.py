"""Impact chart: kgCO2 avoided per day or week (bars) and £ saved (line), Figure + Agg."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from flexcalc.charts.common import (
    FONT,
    PALETTE,
    add_titles,
    bars,
    new_figure,
    no_data,
    reused_figure,
    set_ylabel,
    style_axes,
    to_png,
)
from flexcalc.charts.render_cache import rendered_once

CO2_COLOUR = "#54A24B"


def _build() -> Figure:
    fig = new_figure(height_px=480)
    ax = fig.add_axes((0.08, 0.14, 0.84, 0.66))
    style_axes(ax)
    money = ax.twinx()
    money.tick_params(labelsize=FONT["tick"], colors=PALETTE["price"])
    money.spines["top"].set_visible(False)
    return fig


@rendered_once("impact")
def impact_png(by_period: pd.DataFrame, title: str, unit: str = "day") -> bytes:
    """``by_period``: index of period start dates, columns ``kg`` and ``gbp`` (see
    ``flexcalc.engagement.impact_by_period``)."""
    subtitle = f"kgCO2 avoided (bars) and £ saved (line) per {unit}"
    if by_period.empty:
        fig = new_figure(height_px=480)
        add_titles(fig, title, subtitle)
        no_data(fig, "No kept pledges yet")
        return to_png(fig)
    fig = reused_figure("impact", _build)
    add_titles(fig, title, subtitle)
    ax, money = fig.axes
    labels = [pd.Timestamp(d).strftime("%d %b") for d in by_period.index]
    x = range(len(labels))
    bars(ax, [i - 0.35 for i in x], by_period["kg"].to_numpy(dtype=float), 0.7, CO2_COLOUR)
    set_ylabel(ax, "kgCO2 avoided")
    step = max(1, len(labels) // 12)
    ax.set_xticks(list(x)[::step], labels[::step], fontsize=FONT["tick"])
    money.plot(list(x), by_period["gbp"].to_numpy(dtype=float), color=PALETTE["price"],
               marker="o", linewidth=2)  # fmt: skip
    money.set_ylabel("£ saved", fontsize=FONT["label"], color=PALETTE["price"])
    ax.axhline(0, color=PALETTE["zero"], linewidth=0.8)
    return to_png(fig)
