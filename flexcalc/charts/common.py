"""Shared chart plumbing: a ``Figure`` on the Agg canvas, palette, fonts, UK-time axes, PNG bytes.

Never pyplot: every chart builds its own ``matplotlib.figure.Figure`` with a
``FigureCanvasAgg``, sets every style explicitly (no ``rcParams`` changes) and returns PNG bytes,
so rendering is safe in threaded servers. Times are UTC internally and shown in Europe/London;
tick positions are computed per local day, so DST days (46 or 50 slots) label correctly.
"""

from __future__ import annotations

import struct
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from math import cos, radians, sin

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from matplotlib.transforms import Bbox, blended_transform_factory

from flexcalc import observe

try:  # ISA-L's deflate: a standard zlib stream, about 8x faster than zlib at level 1
    from isal.isal_zlib import compress as deflate
except ImportError:  # pragma: no cover - isal ships wheels for every platform we run on
    from zlib import compress as deflate
from flexcalc.timeslots import LONDON

# deflate level for PNG output (ISA-L takes 0-3, zlib 0-9): 1 packs charts as well as zlib's 1
PNG_COMPRESS_LEVEL = 1
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


# Rasterised texts kept for reuse (each a few hundred bytes); cleared when this many are kept.
KEPT_TEXTS = 4096
_text_images: dict[tuple, tuple[np.ndarray, float, float, float]] = {}


class ChartRenderer(RendererAgg):
    """Agg's renderer, keeping each rasterised text for the next draw that shows it.

    A chart shows the same strings render after render (tick labels, titles, keys); laying
    out their glyphs with FreeType and drawing them to a bitmap was about a fifth of drawing a
    chart. The bitmap, its offsets and descent depend only on the text, the font, the size, the
    dpi, antialiasing and hinting, which make the key; the pixels are the same as Agg's own.
    """

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        flags = get_hinting_flag()
        key = (s, tuple(prop.get_family()), prop.get_style(), prop.get_variant(),
               prop.get_weight(), prop.get_stretch(), prop.get_size_in_points(),
               prop.get_file(), self.dpi, gc.get_antialiased(), flags)  # fmt: skip
        kept = _text_images.get(key)
        if kept is None:
            font = self._prepare_font(prop)
            font.set_text(s, 0, flags=flags)  # angle 0: draw_text_image rotates the raster
            font.draw_glyphs_to_bitmap(antialiased=gc.get_antialiased())
            xo, yo = font.get_bitmap_offset()
            kept = (np.array(font.get_image()), xo / 64.0, yo / 64.0, font.get_descent() / 64.0)
            if len(_text_images) >= KEPT_TEXTS:
                _text_images.clear()
            _text_images[key] = kept
        image, xo, yo, d = kept
        # as RendererAgg.draw_text: the descent adjusted for the angle
        x = round(x + xo + d * sin(radians(angle)))
        y = round(y + yo + d * cos(radians(angle)))
        self._renderer.draw_text_image(image, x, y + 1, angle, gc)
        return None


class ChartCanvas(FigureCanvasAgg):
    """An Agg canvas drawing with ``ChartRenderer``."""

    def get_renderer(self) -> RendererAgg:
        w, h = self.figure.bbox.size
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = ChartRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def new_figure(width_px: int = WIDTH_PX, height_px: int = HEIGHT_PX, dpi: int = DPI) -> Figure:
    """A white ``Figure`` of exactly ``width_px`` x ``height_px`` pixels on a ``ChartCanvas``."""
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
    ChartCanvas(fig)
    return fig


# Figures kept per thread for reuse, at most this many layouts each (oldest dropped first):
# about 3 MB each at Slack size, so a rendering thread holds at most ~25 MB of them.
REUSED_FIGURES = 8
_reused = threading.local()
_TICKERS = (
    "major.locator",
    "major.formatter",
    "minor.locator",
    "minor.formatter",
    "isDefault_majloc",
    "isDefault_majfmt",
    "isDefault_minloc",
    "isDefault_minfmt",
)


@dataclass
class _Kept:
    figure: Figure
    tickers: list[list[object]]  # per axis of every axes, its tickers as built (``_TICKERS``)


def reused_figure(key: Hashable, build: Callable[[], Figure]) -> Figure:
    """This thread's figure for layout ``key``, built by ``build`` (figure and empty axes) the
    first time and emptied by ``reset_figure`` after that.

    Making axes and their ticks is about half a chart's time; keeping them saves it. Each thread
    (a worker's rendering thread, a test's pool thread) has its own figures, so two renders
    never share one; ``key`` must name everything ``build`` decides (kind, size, which axes).
    """
    figures: OrderedDict[Hashable, _Kept] = _reused.__dict__.setdefault("figures", OrderedDict())
    kept = figures.pop(key, None)
    if kept is None:
        fig = build()
        for ax in fig.axes:  # titles stay at the top: nothing of ours is drawn above an axes,
            ax.set_title("", y=1.0)  # so matplotlib need not measure it on every draw
        for axis in _axes_axis(fig):
            axis._get_ticklabel_bboxes = _unmeasured  # see _unmeasured
        kept = _Kept(fig, [[_get(axis, name) for name in _TICKERS] for axis in _axes_axis(fig)])
    else:
        reset_figure(kept)
    figures[key] = kept
    while len(figures) > REUSED_FIGURES:
        figures.popitem(last=False)
    return kept.figure


def _unmeasured(ticks: list, renderer: object = None) -> tuple[list, list]:
    """No tick label boxes. ``Axis.draw`` measures every tick label (a tenth of drawing a
    chart) only to move the axis label clear of them, and an x offset text ("1e6") that our
    formatters never show; ``to_png`` pins every axis label (``pin_axis_labels``) first, so
    kept figures' axes skip the measuring. Should matplotlib rename the method, this
    attribute is simply never read."""
    return [], []


def _axes_axis(fig: Figure) -> list:
    return [axis for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)]


def _get(obj: object, dotted: str) -> object:
    for name in dotted.split("."):
        obj = getattr(obj, name)
    return obj


def reset_figure(kept: _Kept) -> None:
    """Empty a kept figure for the next chart of the same layout: its axes, their tick objects
    and the canvas stay; every artist, legend, title, label and limit a chart set goes, and
    each axis gets back the locators and formatters it was built with."""
    fig = kept.figure
    for artist in (*fig.texts, *fig.legends, *fig.lines, *fig.patches, *fig.images, *fig.artists):
        artist.remove()
    for ax in fig.axes:
        for artist in (
            *ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images, *ax.artists
        ):  # fmt: skip
            artist.remove()
        if ax.legend_ is not None:
            ax.legend_.remove()
        for loc in ("left", "center", "right"):
            ax.set_title("", loc=loc)
        ax.set_xlabel("")
        ax.set_ylabel("")
    for axis, tickers in zip(_axes_axis(fig), kept.tickers, strict=True):
        locator, formatter, minor_locator, minor_formatter, *defaults = tickers
        axis.set_major_locator(locator)
        axis.set_major_formatter(formatter)
        axis.set_minor_locator(minor_locator)
        axis.set_minor_formatter(minor_formatter)
        for name, value in zip(_TICKERS[4:], defaults, strict=True):
            setattr(axis, name, value)
    for ax in fig.axes:
        ax.dataLim.set_points(Bbox.null().get_points())
        ax.ignore_existing_data_limits = True
        ax.set_autoscale_on(True)
        ax.set_xmargin(rcParams["axes.xmargin"])
        ax.set_ymargin(rcParams["axes.ymargin"])
        ax.autoscale_view()


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, at the figure's own size and dpi (no tight cropping).

    Draws on the figure's Agg canvas and encodes its pixels with ``encode_png``: no ``savefig``
    round trip (print-figure setup, facecolor swaps, metadata) and no per-row adaptive filter
    search (Pillow's), which together were about a third of a chart's time.
    """
    started = time.perf_counter()
    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
    pin_axis_labels(fig)
    canvas.draw()
    png = encode_png(np.asarray(canvas.buffer_rgba()))
    observe.emit("chart_render", seconds=time.perf_counter() - started)
    return png


# Axis labels sit this far (inches) inside the figure's edge, outside any tick labels the
# fixed margins leave room for.
AXIS_LABEL_INSET_IN = 0.08


def pin_axis_labels(fig: Figure) -> None:
    """Put every axis label at a fixed distance from the figure edge on its side (y labels level
    with their axes' middle, x labels with its centre) instead of matplotlib placing it beyond
    the measured tick labels: that measuring, repeated on every draw, was a quarter of drawing a
    chart. The margins (``fixed_figure``, ``place_axes``) already leave room for tick labels."""
    w, h = fig.get_size_inches()
    inset = AXIS_LABEL_INSET_IN
    for ax in fig.axes:
        # y labels are turned 90 degrees about their anchor: "top" is their left side
        left = ax.yaxis.get_label_position() == "left"
        ax.yaxis.label.set_verticalalignment("top" if left else "bottom")
        ax.yaxis.set_label_coords(
            inset if left else w - inset,
            0.5,
            transform=blended_transform_factory(fig.dpi_scale_trans, ax.transAxes),
        )
        bottom = ax.xaxis.get_label_position() == "bottom"
        ax.xaxis.label.set_verticalalignment("bottom" if bottom else "top")
        ax.xaxis.set_label_coords(
            0.5,
            inset if bottom else h - inset,
            transform=blended_transform_factory(ax.transAxes, fig.dpi_scale_trans),
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of an (height, width, 3 or 4) uint8 array (alpha dropped): every row
    with filter type 0 ("none") and one zlib stream (ISA-L's ``deflate``) at
    ``PNG_COMPRESS_LEVEL``. Chart pixels are long runs of flat colour, which deflate packs as
    well unfiltered; see ADR 0090 for the numbers against Pillow."""
    height, width, _ = pixels.shape
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type 0
    rows[:, 1:].reshape(height, width, 3)[...] = pixels[..., :3]  # one copy, no alpha
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit truecolour
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", deflate(rows, PNG_COMPRESS_LEVEL)),
            _chunk(b"IEND", b""),
        )
    )


def bars(
    ax: Axes,
    left: np.ndarray | Sequence[float],
    heights: np.ndarray | Sequence[float],
    width: float | np.ndarray,
    colours: str | Sequence[str] | np.ndarray,
    *,
    bottom: float = 0.0,
    edgecolor: str = "none",
    linewidth: float = 0.0,
    alpha: float | None = None,
    zorder: float = 2,
    label: str | None = None,
) -> PolyCollection:
    """Bars from ``left`` to ``left + width`` and ``bottom`` to ``bottom + height`` drawn as ONE
    ``PolyCollection`` (one artist, one draw call) instead of ``Axes.bar``'s patch per bar.

    ``left``/``width`` are in data units (matplotlib date numbers on time axes); NaN heights are
    left out (gaps stay gaps); ``colours`` is one colour or one per bar. Like ``Axes.bar`` the
    base line is sticky, so autoscaling adds no margin beyond it.
    """
    x0 = np.asarray(left, dtype=float)
    y = np.asarray(heights, dtype=float)
    keep = ~np.isnan(y)
    widths = np.broadcast_to(np.asarray(width, dtype=float), x0.shape)[keep]
    x0, y = x0[keep], y[keep] + bottom
    x1 = x0 + widths
    base = np.full_like(y, bottom)
    verts = np.stack(
        [np.column_stack(pair) for pair in ((x0, base), (x0, y), (x1, y), (x1, base))], axis=1
    )
    if not isinstance(colours, str):
        colours = np.asarray(colours)[keep]
    collection = PolyCollection(
        verts,
        facecolors=colours,
        edgecolors=edgecolor,
        linewidths=linewidth,
        alpha=alpha,
        zorder=zorder,
        label=label,
        closed=True,
    )
    collection.sticky_edges.y.append(bottom)
    ax.add_collection(collection, autolim=True)
    ax.autoscale_view()
    return collection


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
    """Light y grid behind the data, no top spine, readable ticks.

    Restyling every tick is a few ms a call: charts on a kept figure (``reused_figure``) style
    their axes once in ``build`` and set only the label (``set_ylabel``) on each render."""
    ax.set_axisbelow(True)
    if grid:
        ax.grid(axis="y", color=PALETTE["grid"], linewidth=0.8)
    ax.spines["top"].set_visible(False)
    ax.tick_params(labelsize=FONT["tick"], colors=PALETTE["text"])
    if ylabel:
        set_ylabel(ax, ylabel)


def set_ylabel(ax: Axes, text: str, colour: str = PALETTE["text"]) -> None:
    """The y axis label in the label font."""
    ax.set_ylabel(text, fontsize=FONT["label"], color=colour)


def place_axes(ax: Axes, *, left_in: float, right_in: float, bottom_in: float, top_in: float):
    """Position ``ax`` by its distances (inches) from the figure's left, right, bottom, top."""
    w, h = ax.figure.get_size_inches()
    ax.set_position(
        [left_in / w, bottom_in / h, 1 - (left_in + right_in) / w, 1 - (bottom_in + top_in) / h]
    )


def fixed_figure(
    *,
    left_in: float = 0.85,
    right_in: float = 0.9,
    bottom_in: float = 0.95,
    top_in: float = 0.4,
    hspace: float = 0.12,
    width_px: int = WIDTH_PX,
    height_px: int = HEIGHT_PX,
) -> Figure:
    """``new_figure`` whose subplots sit at fixed margins (inches from each edge).

    Used instead of the constrained layout engine, which measures every tick label in an extra
    layout pass on each save (about a third of a chart's time); the margins fit the fonts in
    ``FONT``, a y label and two-line or slanted date labels.
    """
    fig = new_figure(width_px, height_px)
    w, h = fig.get_size_inches()
    fig.subplots_adjust(
        left=left_in / w,
        right=1 - right_in / w,
        bottom=bottom_in / h,
        top=1 - top_in / h,
        hspace=hspace,
    )
    return fig


_sizes: dict[tuple[str, float, float], tuple[float, float, float]] = {}


def text_size(fig: Figure, text: str, size: float) -> tuple[float, float, float]:
    """(width, height, descent) in pixels of ``text`` at ``size`` points, measured once."""
    key = (text, size, fig.dpi)
    found = _sizes.get(key)
    if found is None:
        if len(_sizes) > 4096:  # labels with numbers in them ("Average 12.3p") vary
            _sizes.clear()
        renderer = fig.canvas.get_renderer()
        found = renderer.get_text_width_height_descent(text, FontProperties(size=size), False)
        _sizes[key] = found
    return found


def fits(fig: Figure, text: str, size: float, width_px: float) -> bool:
    """Whether ``text`` at ``size`` points is at most ``width_px`` wide (``text_size``)."""
    return text_size(fig, text, size)[0] <= width_px


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
