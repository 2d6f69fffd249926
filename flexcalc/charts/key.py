"""Chart keys (legends) drawn as plain artists: a swatch or line and a text per entry.

Matplotlib's ``Legend`` packs every entry into nested offset boxes and measures each text
several times on every draw; on the forecast chart that was about a third of the render. Here
the layout is computed once, when the key is added, from text sizes measured once per process
(``common.text_size``), with the same spacings as ``Legend``'s defaults (border pad 0.4, label
spacing 0.5, handle height 0.7, handle-text pad 0.8, font-size units), columns filled like
``Legend``'s (``numpy.array_split``: the first columns take the extra entries).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Affine2D, ScaledTranslation, Transform

from flexcalc.charts.common import text_size

BORDER_PAD = 0.4
LABEL_SPACING = 0.5
HANDLE_HEIGHT = 0.7
HANDLE_TEXT_PAD = 0.8
KEY_ZORDER = 5  # above the data, like ``Legend``


def _columns(n: int, ncol: int) -> list[list[int]]:
    return [list(c) for c in np.array_split(np.arange(n), ncol) if len(c)]


def key_size(
    fig: Figure,
    labels: Sequence[str],
    *,
    ncol: int,
    fontsize: float,
    handlelength: float = 2.0,
    columnspacing: float = 2.0,
) -> tuple[float, float]:
    """(width, height) in pixels of a key with these labels in ``ncol`` columns."""
    fs = fontsize * fig.dpi / 72
    _, line_h, _ = text_size(fig, "lp", fontsize)
    columns = _columns(len(labels), ncol)
    widths = [
        max(text_size(fig, labels[i], fontsize)[0] for i in col)
        + (handlelength + HANDLE_TEXT_PAD) * fs
        for col in columns
    ]
    rows = max(len(col) for col in columns)
    width = sum(widths) + columnspacing * fs * (len(columns) - 1) + 2 * BORDER_PAD * fs
    height = rows * line_h + (rows - 1) * LABEL_SPACING * fs + 2 * BORDER_PAD * fs
    return width, height


def add_key(
    target: Figure | Axes,
    handles: Sequence[Artist],
    *,
    anchor: tuple[float, float],
    loc: str,
    fontsize: float,
    ncol: int = 1,
    handlelength: float = 2.0,
    columnspacing: float = 2.0,
    pad: float = 0.5,
    frame: bool = False,
) -> tuple[float, float]:
    """Draw a key for ``handles`` (``Patch`` or ``Line2D``, labelled) on ``target`` with its
    ``loc`` corner ("upper left", "lower right", "lower center") at ``anchor`` (figure or axes
    fraction) moved ``pad`` font sizes inwards. Returns its (width, height) in pixels."""
    if not handles:
        return 0.0, 0.0
    fig = target if isinstance(target, Figure) else target.get_figure(root=True)
    base = target.transFigure if isinstance(target, Figure) else target.transAxes
    labels = [str(h.get_label()) for h in handles]
    fs = fontsize * fig.dpi / 72
    width, height = key_size(
        fig,
        labels,
        ncol=ncol,
        fontsize=fontsize,
        handlelength=handlelength,
        columnspacing=columnspacing,
    )
    vertical, horizontal = loc.split()
    left = {"left": pad * fs, "right": -pad * fs - width, "center": -width / 2}[horizontal]
    bottom = pad * fs if vertical == "lower" else -pad * fs - height

    anchor_px = ScaledTranslation(*anchor, base)  # the anchor point, where the axes end up

    def at(x: float, y: float) -> Transform:  # pixels from the key's lower left corner
        return Affine2D().translate(left + x, bottom + y) + anchor_px

    artists: list[Artist] = []
    if frame:
        artists.append(
            FancyBboxPatch(
                (0, 0),
                width,
                height,
                boxstyle="round,pad=0,rounding_size=0.2",
                mutation_scale=fontsize,  # as ``Legend``: points read as pixels
                facecolor="white",
                edgecolor="0.8",
                alpha=0.8,
                transform=at(0, 0),
                snap=True,
                zorder=KEY_ZORDER,
            )
        )
    _, line_h, descent = text_size(fig, "lp", fontsize)
    x = BORDER_PAD * fs
    for col in _columns(len(handles), ncol):
        for row, i in enumerate(col):
            baseline = (
                height - BORDER_PAD * fs - row * (line_h + LABEL_SPACING * fs) - (line_h - descent)
            )
            artists += _swatch(handles[i], at(x, baseline), handlelength * fs, HANDLE_HEIGHT * fs)
            artists.append(
                Text(
                    x + (handlelength + HANDLE_TEXT_PAD) * fs,
                    baseline,
                    labels[i],
                    transform=at(0, 0),
                    va="baseline",
                    ha="left",
                    fontsize=fontsize,
                    zorder=KEY_ZORDER,
                )
            )
        x += max(text_size(fig, labels[i], fontsize)[0] for i in col)
        x += (handlelength + HANDLE_TEXT_PAD + columnspacing) * fs
    for artist in artists:
        target.add_artist(artist)
        artist.set_clip_on(False)  # a key may sit outside the axes, like ``Legend``
    return width, height


def _swatch(handle: Artist, where: Transform, width: float, height: float) -> list[Artist]:
    """What ``Legend`` draws for a ``Patch`` or a collection (a filled box on the baseline) or
    a ``Line2D`` (a line at mid-height, its marker in the middle)."""
    if isinstance(handle, BarContainer) and handle.patches:  # ``Axes.bar``: its first bar
        handle = handle.patches[0]
    if isinstance(handle, Patch):
        return [
            Rectangle(
                (0, 0),
                width,
                height,
                facecolor=handle.get_facecolor(),
                edgecolor=handle.get_edgecolor(),
                linewidth=handle.get_linewidth(),
                hatch=handle.get_hatch(),
                transform=where,
                zorder=KEY_ZORDER,
            )
        ]
    if isinstance(handle, Collection):  # bars drawn by ``common.bars``: their first colours
        face, edge = handle.get_facecolor(), handle.get_edgecolor()
        widths = handle.get_linewidths()
        return [
            Rectangle(
                (0, 0),
                width,
                height,
                transform=where,
                zorder=KEY_ZORDER,
                facecolor=tuple(face[0]) if len(face) else (0, 0, 0, 0),
                edgecolor=tuple(edge[0]) if len(edge) else (0, 0, 0, 0),
                linewidth=widths[0] if len(widths) else None,
            )
        ]
    if isinstance(handle, Line2D):
        y = height / 2
        line = Line2D([0, width], [y, y], transform=where)
        line.update_from(handle)
        line.set_transform(where)
        line.set_marker("None")
        line.set_zorder(KEY_ZORDER)
        swatches: list[Artist] = [line]
        if handle.get_marker() not in (None, "None", "none", "", " "):
            dot = Line2D([width / 2], [y], transform=where)
            dot.update_from(handle)
            dot.set_transform(where)
            dot.set_linestyle("None")
            dot.set_zorder(KEY_ZORDER)
            swatches.append(dot)
        return swatches
    raise TypeError(f"no key swatch for a {type(handle).__name__}")


def legend_below(
    fig: Figure, handles: Sequence[Artist], ncol: int | None = None, fontsize: float = 12
) -> float:
    """One key centred along the bottom edge, outside the plot, with as many columns (at most
    ``ncol``) as fit the figure width. Returns its height in inches (0 if empty)."""
    if not handles:
        return 0.0
    labels = [str(h.get_label()) for h in handles]
    width_px = fig.get_size_inches()[0] * fig.dpi
    spacing = {"handlelength": 1.6, "columnspacing": 1.4}
    columns = min(ncol or 4, len(handles))
    while columns > 1:
        width, _ = key_size(fig, labels, ncol=columns, fontsize=fontsize, **spacing)
        if width <= 0.98 * width_px:
            break
        columns -= 1
    _, height = add_key(
        fig,
        handles,
        anchor=(0.5, 0.005),
        loc="lower center",
        fontsize=fontsize,
        ncol=columns,
        **spacing,
    )
    return height / fig.dpi + 0.05
