"""Forecast charts: price bars + carbon line with the best windows, prices alone, carbon outlook.

Each function returns PNG bytes sized for Slack (about 1000 px wide). Inputs follow the series
conventions of ``flexcalc.timeslots`` (UTC half-hour slot starts); gaps stay visible as gaps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from flexcalc.charts.common import (
    BAND_COLOURS,
    FONT,
    FUEL_COLOURS,
    HEIGHT_PX,
    PALETTE,
    WIDTH_PX,
    WINDOW_COLOURS,
    add_titles,
    bars,
    date_nums,
    fits,
    format_time_axis,
    new_figure,
    no_data,
    place_axes,
    reused_figure,
    set_ylabel,
    style_axes,
    title_inches,
    to_png,
    utc_index,
)
from flexcalc.charts.forecast_band import band_limits, draw_forecast_band
from flexcalc.charts.key import add_key, legend_below
from flexcalc.charts.render_cache import rendered_once
from flexcalc.intensity import intensity_index
from flexcalc.timeslots import LONDON, SLOT
from flexcalc.windows import Window

SLOT_DAYS = 1 / 48  # one half-hour in matplotlib date units
_TICKS_IN = 0.62  # two-line time tick labels, inches


def _grid(frame: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """The data on a gap-free half-hour UTC grid (gaps become NaN so lines break there)."""
    data = frame.to_frame() if isinstance(frame, pd.Series) else frame.copy()
    data.index = utc_index(data.index)
    data = data[~data.index.duplicated(keep="first")].sort_index()
    if data.empty:
        return data
    full = pd.date_range(data.index[0], data.index[-1], freq=SLOT)
    return data.reindex(full)


def _column(grid: pd.DataFrame, name: str) -> pd.Series | None:
    if name not in grid.columns:
        return None
    values = pd.to_numeric(grid[name], errors="coerce")
    return values if values.notna().any() else None


def _draw_prices(ax: Axes, price: pd.Series) -> tuple[float, float, bool]:
    """Price bars (negative ones coloured differently); returns the y limits and any-negative."""
    known = price.dropna()
    x = date_nums(known.index)
    negative = known.to_numpy() < 0
    colours = np.where(negative, PALETTE["negative"], PALETTE["price"])
    bars(ax, x, known.to_numpy(), SLOT_DAYS, colours, edgecolor="white", linewidth=0.4)
    ax.axhline(0, color=PALETTE["zero"], linewidth=1.0, zorder=3)
    lo, hi = min(0.0, float(known.min())), max(0.0, float(known.max()))
    pad = 0.12 * ((hi - lo) or 1.0)
    lo = lo - pad if lo < 0 else 0.0
    return lo, hi + pad, bool(negative.any())


def _draw_carbon_line(ax: Axes, carbon: pd.Series, colour: str = PALETTE["carbon"]) -> None:
    x = date_nums(carbon.index) + SLOT_DAYS / 2  # plot at slot midpoints
    ax.plot(x, carbon.to_numpy(), color=colour, linewidth=2.4, zorder=4)


def _shade_windows(ax: Axes, windows: dict[str, Window]) -> list[Patch]:
    """Shade each window's slots (runs of adjacent slots as one band) plus a solid strip on top:
    all bands as one collection and all strips as another (x in data, y in axes fractions)."""
    handles = []
    bands: list[np.ndarray] = []
    strips: list[np.ndarray] = []
    band_colours: list[str] = []
    for i, (label, window) in enumerate(windows.items()):
        if window is None or len(window.slots) == 0:
            continue
        colour = WINDOW_COLOURS[i % len(WINDOW_COLOURS)]
        slots = utc_index(window.slots).sort_values()
        breaks = np.flatnonzero((slots[1:] - slots[:-1]) != SLOT) + 1  # unit-safe (us or ns)
        for run in np.split(np.arange(len(slots)), breaks):
            a, b = date_nums(slots[run[0]]), date_nums(slots[run[-1]] + SLOT)
            bands.append(_span(a, b, 0.0, 1.0))
            strips.append(_span(a, b, 0.985 - 0.03 * (i + 1), 0.985 - 0.03 * i))
            band_colours.append(colour)
        handles.append(Patch(facecolor=colour, alpha=0.6, label=label))
    if bands:
        where = ax.get_xaxis_transform()
        for verts, alpha, zorder in ((bands, 0.18, 1), (strips, 0.95, 5)):
            ax.add_collection(
                PolyCollection(
                    verts,
                    facecolors=band_colours,
                    alpha=alpha,
                    linewidths=0,
                    zorder=zorder,
                    transform=where,
                ),
                autolim=False,
            )
    return handles


def _span(x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
    return np.array([(x0, y0), (x0, y1), (x1, y1), (x1, y0)])


def _mark_now(ax: Axes, now: pd.Timestamp | None, start: pd.Timestamp, end: pd.Timestamp):
    if now is None:
        return None
    now = pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    if not start <= now <= end:
        return None
    x = date_nums(now)
    ax.axvline(x, color=PALETTE["now"], linewidth=2.0, linestyle=(0, (4, 2)), zorder=6)
    ax.text(
        x,
        1.0,
        f" now {now.tz_convert(LONDON).strftime('%H:%M')}",
        transform=ax.get_xaxis_transform(),
        ha="left",
        va="bottom",
        fontsize=FONT["note"],
        color=PALETTE["now"],
        fontweight="bold",
    )
    return Line2D([], [], color=PALETTE["now"], linewidth=2.0, linestyle=(0, (4, 2)), label="Now")


def _annotate_extremes(ax: Axes, price: pd.Series) -> None:
    """Label the cheapest and dearest slots just beyond the ends of their bars."""
    known = price.dropna()
    if len(known) < 2:
        return
    span = (known.index[-1] - known.index[0]) or SLOT
    for ts in (known.idxmax(), known.idxmin()):
        value = float(known[ts])
        where = (ts - known.index[0]) / span  # keep labels near the edges inside the plot
        ha = "left" if where < 0.1 else "right" if where > 0.9 else "center"
        ax.annotate(
            f"{value:.1f}p at {ts.tz_convert(LONDON).strftime('%H:%M')}",
            (date_nums(ts) + SLOT_DAYS / 2, value),
            xytext=(0, 5 if value >= 0 else -5),
            textcoords="offset points",
            ha=ha,
            va="bottom" if value >= 0 else "top",
            fontsize=FONT["note"],
            color=PALETTE["text"],
            bbox={
                "boxstyle": "round,pad=0.2",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.85,
            },
            zorder=7,
        )


def _forecast_figure(
    frame: pd.DataFrame,
    windows: dict[str, Window] | None,
    now: pd.Timestamp | None,
    title: str,
    source: str,
    width_px: int,
    height_px: int,
    *,
    with_carbon: bool = True,
    mean_line: bool = False,
    extremes: bool = False,
    band: pd.DataFrame | None = None,
) -> Figure:
    grid = _grid(frame) if len(frame) else pd.DataFrame()
    price = _column(grid, "price") if len(grid) else None
    carbon = _column(grid, "carbon") if with_carbon and len(grid) else None
    if price is None and carbon is None:
        fig = new_figure(width_px, height_px)
        add_titles(fig, title, source)
        no_data(fig)
        return fig
    both = price is not None and carbon is not None

    def build() -> Figure:
        fig = new_figure(width_px, height_px)
        ax = fig.add_subplot()
        style_axes(ax)
        if both:
            style_axes(ax.twinx(), grid=False)
        return fig

    fig = reused_figure(("forecast", width_px, height_px, both), build)
    add_titles(fig, title, source)
    start, end = grid.index[0], grid.index[-1] + SLOT
    legend: list = []
    if price is not None and (price >= 0).any():
        legend.append(Patch(facecolor=PALETTE["price"], label="Price (p/kWh)"))
    if carbon is not None:
        legend.append(
            Line2D([], [], color=PALETTE["carbon"], linewidth=2.4, label="Carbon (gCO₂/kWh)")
        )

    ax = fig.axes[0]
    y_lo = y_hi = None
    if price is not None:
        y_lo, y_hi, negative = _draw_prices(ax, price)
        if negative:
            legend.append(Patch(facecolor=PALETTE["negative"], label="Negative price"))
        if band is not None:
            legend += draw_forecast_band(ax, band)
            y_lo, y_hi = band_limits(band, y_lo, y_hi)
        # the average and the labelled extremes are of published prices only, never forecast
        published = price if band is None or band.empty else price[price.index < band.index[0]]
        if mean_line and published.notna().any():
            mean = float(published.mean())
            ax.axhline(mean, color=PALETTE["mean"], linewidth=1.3, linestyle="--", zorder=3)
            legend.append(
                Line2D(
                    [],
                    [],
                    color=PALETTE["mean"],
                    linestyle="--",
                    linewidth=1.3,
                    label=f"Average {mean:.1f}p",
                )
            )
        if extremes and published.notna().any():
            _annotate_extremes(ax, published)
            y_hi += 0.08 * (y_hi - y_lo)
            y_lo -= 0.08 * (y_hi - y_lo) if y_lo < 0 else 0
        ax.set_ylim(y_lo, y_hi)
        set_ylabel(ax, "Price (p/kWh)")
    if carbon is not None:
        cax = fig.axes[1] if both else ax
        _draw_carbon_line(cax, carbon)
        c_hi = float(carbon.max()) * 1.15 or 1.0
        c_lo = 0.0
        if price is not None and y_lo < 0 < y_hi and y_hi / (y_hi - y_lo) >= 0.3:
            c_lo = -c_hi * (-y_lo / y_hi)  # line up both zeros when prices dip below zero
        cax.set_ylim(c_lo, c_hi)
        if c_lo < 0:  # no negative carbon ticks on the aligned axis
            cax.set_yticks([t for t in cax.get_yticks() if 0 <= t <= c_hi])
        set_ylabel(cax, "Carbon (gCO₂/kWh)")
    legend += _shade_windows(ax, windows or {})
    now_handle = _mark_now(ax, now, start, end)
    if now_handle is not None:
        legend.append(now_handle)
    format_time_axis(ax, start, end)
    ax.set_xlabel("")

    legend_in = legend_below(fig, legend, ncol=4, fontsize=FONT["legend"])
    place_axes(
        ax,
        left_in=0.85,
        right_in=0.95 if both else 0.5,
        bottom_in=_TICKS_IN + 0.1 + legend_in,
        top_in=title_inches(title, source) + 0.3,
    )
    if carbon is not None and both:
        cax.set_position(ax.get_position())
    return fig


@rendered_once("forecast", now="now")
def forecast_chart(
    frame: pd.DataFrame,
    windows: dict[str, Window] | None = None,
    now: pd.Timestamp | None = None,
    title: str = "",
    *,
    source: str = "",
    width_px: int = WIDTH_PX,
    height_px: int = HEIGHT_PX,
    band: pd.DataFrame | None = None,
) -> bytes:
    """Price bars (negative prices coloured below zero) and the carbon line on a second axis over
    the horizon, each window in ``windows`` shaded with its key as legend label, a "now" marker,
    and ``source`` (e.g. "Offline sample data") under the title. ``band`` (p10/p90 of forecast
    slots) shades the prices that are forecast, not published. PNG bytes."""
    fig = _forecast_figure(frame, windows, now, title, source, width_px, height_px, band=band)
    return to_png(fig)


@rendered_once("prices", now="now")
def prices_chart(
    prices: pd.Series,
    *,
    windows: dict[str, Window] | None = None,
    now: pd.Timestamp | None = None,
    title: str = "",
    source: str = "",
    width_px: int = WIDTH_PX,
    height_px: int = HEIGHT_PX,
    band: pd.DataFrame | None = None,
) -> bytes:
    """Upcoming prices as bars with the average line and the cheapest / dearest slot labelled;
    ``band`` (p10/p90 of forecast slots) shades the forecast part, as on the bestslot chart."""
    frame = pd.DataFrame({"price": prices})
    fig = _forecast_figure(
        frame,
        windows,
        now,
        title,
        source,
        width_px,
        height_px,
        with_carbon=False,
        mean_line=True,
        extremes=True,
        band=band,
    )
    return to_png(fig)


def _band_segments(ax: Axes, carbon: pd.Series, bands: list[str]) -> None:
    """The carbon line drawn segment by segment in the colour of each slot's index band."""
    x = date_nums(carbon.index) + SLOT_DAYS / 2
    y = carbon.to_numpy(dtype=float)
    points = np.column_stack([x, y])
    segments, colours = [], []
    for i in range(len(points) - 1):
        if np.isnan(y[i]) or np.isnan(y[i + 1]):
            continue
        segments.append(points[i : i + 2])
        colours.append(BAND_COLOURS.get(bands[i], PALETTE["carbon"]))
    ax.add_collection(
        LineCollection(segments, colors=colours, linewidths=3.2, zorder=4, capstyle="round")
    )
    lone = [
        i
        for i in range(len(y))
        if not np.isnan(y[i])
        and (i == 0 or np.isnan(y[i - 1]))
        and (i == len(y) - 1 or np.isnan(y[i + 1]))
    ]
    for i in lone:  # isolated points between gaps
        ax.plot(x[i], y[i], "o", color=BAND_COLOURS.get(bands[i], PALETTE["carbon"]), zorder=4)


def _mix_bar(ax: Axes, mix: dict[str, float]) -> list[Patch]:
    """One 100 % stacked horizontal bar of the generation mix, biggest share first."""
    shares = sorted(((k, float(v)) for k, v in mix.items() if v and v > 0), key=lambda kv: -kv[1])
    left = 0.0
    handles = []
    for i, (fuel, pct) in enumerate(shares):
        colour = FUEL_COLOURS.get(fuel.lower(), WINDOW_COLOURS[i % len(WINDOW_COLOURS)])
        handle = Patch(facecolor=colour, label=f"{fuel.title()} {pct:.1f}%")
        handle.mix_span = (left, pct, fuel)  # read by _label_mix
        handles.append(handle)
        left += pct
    if handles:  # the segments side by side, 0.8 high about y = 0: one collection
        starts, widths = (np.array([h.mix_span[k] for h in handles]) for k in (0, 1))
        colours = [h.get_facecolor() for h in handles]
        bars(ax, starts, np.full(len(handles), 0.8), widths, colours, bottom=-0.4,
             edgecolor="white", linewidth=1.0)  # fmt: skip
    ax.set_xlim(0, max(100.0, left))
    ax.set_ylim(-0.5, 0.5)
    ax.set_yticks([])
    ax.set_xticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title("Generation mix now", loc="left", fontsize=FONT["label"], color=PALETTE["text"])
    return handles


def _label_mix(ax: Axes, handles: list[Patch]) -> None:
    """Write "Fuel NN%" inside the segments wide enough to hold it (measured, after layout)."""
    px_per_pct = ax.get_window_extent().width / ax.get_xlim()[1]
    for handle in handles:
        left, pct, fuel = handle.mix_span
        dark = fuel.lower() in ("coal", "nuclear", "gas", "oil", "biomass")
        for text in (f"{fuel.title()} {pct:.0f}%", f"{pct:.0f}%"):
            if fits(ax.figure, text, FONT["note"], pct * px_per_pct - 6):
                ax.text(left + pct / 2, 0, text, ha="center", va="center", fontsize=FONT["note"],
                        color="white" if dark else PALETTE["text"])  # fmt: skip
                break


@rendered_once("carbon", now="now")
def carbon_chart(
    carbon: pd.Series,
    mix: dict[str, float] | None = None,
    *,
    index: pd.Series | None = None,
    now: pd.Timestamp | None = None,
    title: str = "",
    source: str = "",
    width_px: int = WIDTH_PX,
    height_px: int = 620,
) -> bytes:
    """The carbon-intensity outlook (e.g. 48 h) as a line coloured by index band, with the
    lowest slot labelled, and, if ``mix`` (fuel -> %) is given, a generation-mix bar below.
    ``index`` (the API's band name per slot) overrides the bands derived from ``BAND_LIMITS``."""
    grid = _grid(carbon.rename("carbon")) if len(carbon) else pd.DataFrame()
    values = _column(grid, "carbon") if len(grid) else None
    if values is None:
        fig = new_figure(width_px, height_px)
        add_titles(fig, title, source)
        no_data(fig)
        return to_png(fig)

    def build() -> Figure:
        fig = new_figure(width_px, height_px)
        ax = fig.add_subplot()
        style_axes(ax)
        ax.spines["right"].set_visible(False)
        if mix:
            fig.add_subplot()
        return fig

    fig = reused_figure(("carbon", width_px, height_px, bool(mix)), build)
    add_titles(fig, title, source)
    if index is not None:
        given = pd.Series(index.to_numpy(), index=utc_index(index.index)).astype(str).str.lower()
        given = given[~given.index.duplicated(keep="first")]
        bands = [
            given.get(ts, intensity_index(v)) if not np.isnan(v) else "" for ts, v in values.items()
        ]
    else:
        bands = [intensity_index(v) if not np.isnan(v) else "" for v in values]
    start, end = values.index[0], values.index[-1] + SLOT

    ax = fig.axes[0]
    _band_segments(ax, values, bands)
    ax.set_xlim(date_nums(start), date_nums(end))
    ax.set_ylim(0, float(values.max()) * 1.18)
    set_ylabel(ax, "Carbon (gCO₂/kWh)")
    lowest = values.idxmin()
    ax.annotate(
        f"lowest {values[lowest]:.0f} at {lowest.tz_convert(LONDON).strftime('%a %H:%M')}",
        (date_nums(lowest) + SLOT_DAYS / 2, values[lowest]),
        xytext=(0, -16),
        textcoords="offset points",
        ha="center",
        va="top",
        fontsize=FONT["note"],
        color=PALETTE["text"],
        arrowprops={"arrowstyle": "-", "color": PALETTE["muted"]},
    )
    # band key in one row above the plot, right-aligned (the "now" label sits at the left)
    key = [
        Patch(facecolor=BAND_COLOURS[b], label=b.capitalize())
        for b in BAND_COLOURS
        if b in set(bands)
    ]
    if key:
        add_key(ax, key, anchor=(1.0, 1.0), loc="lower right", fontsize=FONT["note"],
                ncol=len(key), handlelength=1.2, columnspacing=1.0, pad=0.1)  # fmt: skip
    _mark_now(ax, now, start, end)
    format_time_axis(ax, start, end)

    top_in = title_inches(title, source) + 0.4
    if not mix:
        place_axes(ax, left_in=0.85, right_in=0.5, bottom_in=_TICKS_IN + 0.15, top_in=top_in)
        return to_png(fig)
    mix_ax = fig.axes[1]
    mix_handles = _mix_bar(mix_ax, mix)
    legend_in = legend_below(fig, mix_handles, ncol=5, fontsize=FONT["legend"])
    bar_in, bar_title_in = 0.45, 0.4
    mix_bottom = legend_in + 0.1
    place_axes(
        mix_ax,
        left_in=0.85,
        right_in=0.5,
        bottom_in=mix_bottom,
        top_in=fig.get_size_inches()[1] - mix_bottom - bar_in,
    )
    place_axes(
        ax,
        left_in=0.85,
        right_in=0.5,
        top_in=top_in,
        bottom_in=mix_bottom + bar_in + bar_title_in + _TICKS_IN + 0.1,
    )
    _label_mix(mix_ax, mix_handles)
    return to_png(fig)
