"""Shared chart plumbing: a ``Figure`` on the Agg canvas, palette, fonts, UK-time axes, PNG bytes.

Never pyplot: every chart builds its own ``matplotlib.figure.Figure`` with a
``FigureCanvasAgg``, sets every style explicitly (no ``rcParams`` changes) and returns PNG bytes,
so rendering is safe in threaded servers. Times are UTC internally and shown in Europe/London;
tick positions are computed per local day, so DST days (46 or 50 slots) label correctly.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from flexcalc.timeslots import LONDON

WIDTH_PX = 1000  # Slack shows images up to about this wide
HEIGHT_PX = 560
DPI = 100

# Font sizes in points; at 100 dpi 12 pt is about 17 px, readable when Slack scales down.
FONT = {"title": 17, "subtitle": 12, "label": 13, "tick": 12, "legend": 12, "note": 11}

PALETTE = {
    "text": "#222222",
    "muted": "#666666",
    "grid": "#E3E3E3",
    "zero": "#444444",
    "price": "#4C78A8",  # price bars
    "negative": "#0F9D8A",  # prices below zero (you are paid to use electricity)
    "carbon": "#2B2B2B",  # carbon intensity line
    "now": "#D62839",  # "now" marker
    "mean": "#8C8C8C",
}
# Shading for highlighted windows, used in order (cheapest, greenest, balanced, ...).
WINDOW_COLOURS = ["#F58518", "#54A24B", "#B279A2", "#E45756", "#72B7B2"]
# Carbon Intensity API index bands (very low .. very high).
BAND_COLOURS = {
    "very low": "#1A9850",
    "low": "#91CF60",
    "moderate": "#F2C12E",
    "high": "#FC8D59",
    "very high": "#D73027",
}
# Fuel colours for the generation mix (Carbon Intensity API fuel names).
FUEL_COLOURS = {
    "wind": "#4C9BE8",
    "solar": "#F9C80E",
    "nuclear": "#9B5DE5",
    "hydro": "#00B4D8",
    "biomass": "#6A994E",
    "gas": "#F3722C",
    "coal": "#3D3D3D",
    "oil": "#7F5539",
    "imports": "#A3A3A3",
    "other": "#CFCFCF",
}


def new_figure(width_px: int = WIDTH_PX, height_px: int = HEIGHT_PX, dpi: int = DPI) -> Figure:
    """A white ``Figure`` of exactly ``width_px`` x ``height_px`` pixels on an Agg canvas."""
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, at the figure's own size (no tight cropping)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, facecolor=fig.get_facecolor())
    return buffer.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels read from a PNG header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def add_titles(fig: Figure, title: str, subtitle: str = "") -> None:
    """Bold title top-left and a smaller grey subtitle (source, coverage) under it."""
    h = fig.get_size_inches()[1]
    if title:
        fig.text(
            0.012,
            1 - 0.12 / h,
            title,
            ha="left",
            va="top",
            fontsize=FONT["title"],
            fontweight="bold",
            color=PALETTE["text"],
        )
    if subtitle:
        fig.text(
            0.012,
            1 - 0.50 / h,
            subtitle,
            ha="left",
            va="top",
            fontsize=FONT["subtitle"],
            color=PALETTE["muted"],
        )


def style_axes(ax: Axes, *, ylabel: str = "", grid: bool = True) -> None:
    """Light y grid behind the data, no top spine, readable ticks."""
    ax.set_axisbelow(True)
    if grid:
        ax.grid(axis="y", color=PALETTE["grid"], linewidth=0.8)
    ax.spines["top"].set_visible(False)
    ax.tick_params(labelsize=FONT["tick"], colors=PALETTE["text"])
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=FONT["label"], color=PALETTE["text"])


def legend_below(fig: Figure, handles: Sequence, ncol: int | None = None) -> float:
    """One figure legend centred along the bottom edge, outside the plot, with as many columns
    (at most ``ncol``) as fit the figure width. Returns its height in inches (0 if empty)."""
    if not handles:
        return 0.0
    renderer = fig.canvas.get_renderer()
    width_px = fig.get_size_inches()[0] * fig.dpi
    for columns in range(min(ncol or 4, len(handles)), 0, -1):
        legend = fig.legend(
            handles=list(handles),
            loc="lower center",
            bbox_to_anchor=(0.5, 0.005),
            ncol=columns,
            frameon=False,
            fontsize=FONT["legend"],
            handlelength=1.6,
            columnspacing=1.4,
        )
        box = legend.get_window_extent(renderer)
        if box.width <= 0.98 * width_px or columns == 1:
            return box.height / fig.dpi + 0.05
        legend.remove()
    return 0.0


def place_axes(ax: Axes, *, left_in: float, right_in: float, bottom_in: float, top_in: float):
    """Position ``ax`` by its distances (inches) from the figure's left, right, bottom, top."""
    w, h = ax.figure.get_size_inches()
    ax.set_position(
        [left_in / w, bottom_in / h, 1 - (left_in + right_in) / w, 1 - (bottom_in + top_in) / h]
    )


def fits(text, width_px: float) -> bool:
    """Whether a drawn ``Text`` is narrower than ``width_px`` (measured with the Agg renderer)."""
    renderer = text.figure.canvas.get_renderer()
    return text.get_window_extent(renderer).width <= width_px


def title_inches(title: str, subtitle: str) -> float:
    """Space ``add_titles`` takes at the top of the figure."""
    return 0.85 if subtitle else 0.55 if title else 0.1


def utc_index(index: pd.Index) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(index)
    return idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")


def date_nums(times: pd.Index | Sequence[pd.Timestamp] | pd.Timestamp) -> np.ndarray | float:
    """Matplotlib date numbers for UTC (or tz-aware) timestamps."""
    if isinstance(times, pd.Timestamp | datetime):
        stamp = pd.Timestamp(times)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return float(mdates.date2num(stamp.tz_localize(None).to_datetime64()))
    naive = utc_index(pd.DatetimeIndex(times)).tz_localize(None)
    return mdates.date2num(naive.to_numpy())


def _local_ticks(
    start: pd.Timestamp, end: pd.Timestamp, hours: Sequence[int]
) -> list[pd.Timestamp]:
    """Local wall-clock ticks at ``hours`` on every UK day touching [start, end] (DST-safe)."""
    first = start.tz_convert(LONDON).normalize().tz_localize(None)
    last = end.tz_convert(LONDON).normalize().tz_localize(None)
    ticks = []
    for day in pd.date_range(first, last, freq="D"):
        for hour in hours:
            wall = day + pd.Timedelta(hours=hour)
            # autumn: 01:00 happens twice (BST, then GMT); spring: 01:00 never happens
            for first in (True, False):
                local = wall.tz_localize(LONDON, ambiguous=first, nonexistent="NaT")
                if local is not pd.NaT and start <= local <= end and local not in ticks:
                    ticks.append(local)
    # On the spring-forward day 00:00 and 03:00 are only 2 h apart: drop ticks that crowd in.
    step = pd.Timedelta(hours=24 / len(hours)) if len(hours) > 1 else pd.Timedelta(days=1)
    kept: list[pd.Timestamp] = []
    for tick in ticks:
        if not kept or tick - kept[-1] >= 0.8 * step:
            kept.append(tick)
    return kept


_TICK_PX = 62  # minimum spacing of time labels, pixels


def format_time_axis(ax: Axes, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """UK-time ticks for [start, end] (UTC): hours for a day or two, then days, weeks, months.

    Short spans label ``HH:MM`` with the day added at midnight and on the first tick; local
    midnights get a faint vertical line.
    """
    start, end = pd.Timestamp(start).tz_convert("UTC"), pd.Timestamp(end).tz_convert("UTC")
    span = end - start
    ax.set_xlim(date_nums(start), date_nums(end))
    if span <= pd.Timedelta(days=4):
        # the finest hour step that leaves ~62 px per "HH:MM" label on the plot width
        plot_px = 0.8 * ax.figure.get_size_inches()[0] * ax.figure.dpi
        hours = span / pd.Timedelta(hours=1)
        step = next((s for s in (1, 2, 3, 4, 6, 12) if hours / s * _TICK_PX <= plot_px), 24)
        ticks = _local_ticks(start, end, range(0, 24, step) if step < 24 else [0])
        midnights = _local_ticks(start, end, [0])
        # the first tick names its day too, unless a midnight label follows too closely
        first_dated = bool(ticks) and not any(
            pd.Timedelta(0) < m - ticks[0] < pd.Timedelta(hours=1.5 * step) for m in midnights
        )

        def label(x: float, pos: int | None) -> str:
            t = mdates.num2date(x, tz=LONDON)
            hm = t.strftime("%H:%M")
            if (t.hour, t.minute) == (0, 0) or (pos == 0 and first_dated):
                return f"{hm}\n{t.strftime('%a %d %b')}"
            return hm

        for midnight in midnights:
            ax.axvline(date_nums(midnight), color=PALETTE["grid"], linewidth=1.2, zorder=0)
    elif span <= pd.Timedelta(days=16):
        ticks = _local_ticks(start, end, [0])

        def label(x: float, pos: int | None) -> str:
            return mdates.num2date(x, tz=LONDON).strftime("%a\n%d %b")
    elif span <= pd.Timedelta(days=100):
        ticks = [t for t in _local_ticks(start, end, [0]) if t.day_of_week == 0]

        def label(x: float, pos: int | None) -> str:
            return mdates.num2date(x, tz=LONDON).strftime("%d %b")
    else:
        months = pd.date_range(
            start.tz_convert(LONDON).tz_localize(None).normalize() - pd.offsets.MonthBegin(1),
            end.tz_convert(LONDON).tz_localize(None),
            freq="MS",
        )
        every = max(1, int(np.ceil(len(months) / 12)))
        ticks = [m.tz_localize(LONDON) for m in months[::every]]
        ticks = [t for t in ticks if start <= t <= end]

        def label(x: float, pos: int | None) -> str:
            return mdates.num2date(x, tz=LONDON).strftime("%b %Y")

    ax.xaxis.set_major_locator(FixedLocator([date_nums(t) for t in ticks]))
    ax.xaxis.set_major_formatter(FuncFormatter(label))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.tick_params(axis="x", labelsize=FONT["tick"])


def no_data(fig: Figure, message: str = "No data to chart") -> None:
    """A centred message instead of an empty plot."""
    fig.text(
        0.5, 0.5, message, ha="center", va="center", fontsize=FONT["label"], color=PALETTE["muted"]
    )
