"""Footprint charts (Figure + Agg): carbon by month x time of day, and storage kgCO2 by month."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colorbar import make_axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

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

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _one_axes(**margins: float) -> Figure:
    fig = fixed_figure(**margins)
    fig.add_subplot()
    return fig


def _heatmap_figure() -> Figure:
    """The heatmap axes and, at its right, the colour bar's axes (where ``Figure.colorbar``
    puts it), with the colour bar's ticks and label on the right."""
    fig = _one_axes(left_in=0.65, right_in=0.1, bottom_in=0.7, top_in=0.35)
    style_axes(fig.axes[0], grid=False)
    bar_ax, _ = make_axes(fig.axes[0])
    bar_ax.set_xticks([])
    bar_ax.yaxis.tick_right()
    bar_ax.yaxis.set_label_position("right")
    return fig


def _colour_bar(bar_ax: Axes, image: AxesImage, unit: str) -> None:
    """The colour scale of ``image`` drawn as one gradient image on ``bar_ax``: what
    ``Figure.colorbar`` draws, without a ``Colorbar`` (and its callbacks) made on every render
    of a kept figure."""
    vmin, vmax = image.norm.vmin, image.norm.vmax
    if vmin is None or vmax is None:  # no data at all
        return
    if vmax <= vmin:
        vmax = vmin + 1.0
    bar_ax.imshow(
        np.linspace(vmin, vmax, 256)[:, None],
        aspect="auto",
        cmap=image.get_cmap(),
        norm=image.norm,
        origin="lower",
        extent=(0, 1, vmin, vmax),
        interpolation="nearest",
    )
    bar_ax.set_xlim(0, 1)
    bar_ax.set_ylim(vmin, vmax)
    bar_ax.set_ylabel(unit)


def _storage_figure() -> Figure:
    fig = _one_axes(right_in=0.25, bottom_in=0.85)
    style_axes(fig.axes[0])
    fig.axes[0].tick_params(axis="x", labelrotation=45)
    return fig


@rendered_once("heatmap")
def heatmap_png(grid: pd.DataFrame, title: str = "", unit: str = "gCO2/kWh") -> bytes:
    """``grid``: rows months (1..12), columns half-hour of day (0..47) -> colour; the
    16:00-19:00 peak is outlined."""
    fig = reused_figure("heatmap", _heatmap_figure)
    ax, bar_ax = fig.axes
    data = grid.reindex(columns=range(48)).to_numpy(dtype=float)
    image = ax.imshow(
        np.ma.masked_invalid(data),
        aspect="auto",
        cmap="RdYlGn_r",
        extent=(0, 24, len(grid) - 0.5, -0.5),
    )
    ax.set_yticks(range(len(grid)), [MONTHS[m - 1] for m in grid.index])
    ax.set_xticks(range(0, 25, 3), [f"{h:02d}:00" for h in range(0, 25, 3)])
    ax.set_xlabel("time of day (UK)", fontsize=FONT["label"])
    ax.add_patch(Rectangle((16, -0.5), 3, len(grid), fill=False, edgecolor="black", linewidth=1.5))
    _colour_bar(bar_ax, image, unit)
    title = title or "Average carbon intensity by month and time of day"
    ax.set_title(f"{title} (box: 16:00–19:00 peak)", fontsize=FONT["label"], loc="left")
    return to_png(fig)


@rendered_once("storage")
def storage_png(monthly_kg: pd.Series, static_kg: pd.Series, title: str = "") -> bytes:
    """Monthly kgCO2 from half-hourly intensity (bars) vs the same energy at a static factor
    (line)."""
    fig = reused_figure("storage", _storage_figure)
    (ax,) = fig.axes
    labels = [ts.strftime("%b %y") for ts in monthly_kg.index]
    x = np.arange(len(labels), dtype=float)
    bars(ax, x - 0.4, monthly_kg.to_numpy(), 0.8, "tab:green", alpha=0.7,
         label="half-hourly intensity")  # fmt: skip
    ax.plot(x, static_kg.to_numpy(), color="black", marker="o", label="static annual factor")
    ax.set_xticks(x, labels)
    set_ylabel(ax, "kgCO2 per month")
    ax.set_ylim(0, 1.25 * max(float(monthly_kg.max()), float(static_kg.max()), 1e-9))
    add_key(ax, ax.get_legend_handles_labels()[0], anchor=(0, 1), loc="upper left",
            fontsize=FONT["note"], ncol=2, frame=True)  # fmt: skip
    ax.set_title(title or "Storage emissions by month", fontsize=FONT["label"], loc="left")
    return to_png(fig)
