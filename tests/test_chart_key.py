"""Chart keys drawn as plain artists (``flexcalc.charts.key``) show what matplotlib's ``Legend``
showed: the same swatches and labels in the same places, at a fraction of the cost."""

from __future__ import annotations

import io

import matplotlib.image as mpimg
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from flexcalc.charts.common import bars, new_figure, to_png
from flexcalc.charts.key import add_key, key_size, legend_below

HANDLES = [
    Patch(facecolor="#4C78A8", label="Price (p/kWh)"),
    Line2D([], [], color="#2B2B2B", linewidth=2.4, label="Carbon (gCO₂/kWh)"),
    Patch(facecolor="#F58518", alpha=0.6, label="Cheapest"),
    Line2D([], [], color="#D62839", linewidth=2.0, linestyle=(0, (4, 2)), label="Now"),
    Line2D([], [], color="black", marker="o", label="static annual factor"),
]


def pixels(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")


def differing(a: bytes, b: bytes) -> float:
    """Share of pixels that differ visibly (more than 1/8 of full scale in any channel)."""
    return float(np.mean(np.abs(pixels(a) - pixels(b)).max(axis=2) > 0.125))


def test_key_below_the_chart_draws_what_a_figure_legend_drew() -> None:
    ours = new_figure()
    legend_below(ours, HANDLES, ncol=4)
    theirs = new_figure()
    theirs.legend(handles=HANDLES, loc="lower center", bbox_to_anchor=(0.5, 0.005), ncol=4,
                  frameon=False, fontsize=12, handlelength=1.6, columnspacing=1.4)  # fmt: skip
    assert differing(to_png(ours), to_png(theirs)) == 0


def test_framed_key_in_the_corner_draws_what_an_axes_legend_drew() -> None:
    pngs = []
    for way in ("key", "legend"):
        fig = new_figure()
        ax = fig.add_subplot()
        bars(ax, [0, 1, 2], [3, 1, 2], 0.8, "tab:green", alpha=0.7, label="charge")
        ax.plot([0, 1, 2], [1, 2, 3], color="black", marker="o", label="state of charge")
        handles = ax.get_legend_handles_labels()[0]
        if way == "key":
            add_key(ax, handles, anchor=(0, 1), loc="upper left", fontsize=11, ncol=2, frame=True)
        else:
            ax.legend(handles=handles, loc="upper left", fontsize=11, ncols=2)
        pngs.append(to_png(fig))
    assert differing(*pngs) < 0.0002  # a few edge pixels of the rounded frame at most
    assert differing(pngs[0], to_png(new_figure())) > 0.001  # and the key is there at all


labels = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC £%.0123456789()₂", min_size=1, max_size=24),
    min_size=1,
    max_size=7,
)


@settings(max_examples=25, deadline=None)
@given(labels=labels, ncol=st.integers(1, 5), fontsize=st.sampled_from([9, 11, 12, 14]))
def test_key_size_is_the_legend_size(labels: list[str], ncol: int, fontsize: float) -> None:
    """The measured layout matches ``Legend``'s own, whatever the labels and columns."""
    fig = new_figure()
    handles = [Patch(facecolor="C0", label=label) for label in labels]
    legend = fig.legend(handles=handles, ncol=ncol, fontsize=fontsize, frameon=False)
    box = legend.get_window_extent(fig.canvas.get_renderer())
    width, height = key_size(fig, labels, ncol=ncol, fontsize=fontsize)
    assert abs(width - box.width) < 1.0
    assert abs(height - box.height) < 1.0


def test_no_entries_draw_no_key() -> None:
    fig = new_figure()
    ax = fig.add_subplot()
    assert add_key(ax, [], anchor=(0, 1), loc="upper left", fontsize=11, frame=True) == (0, 0)
    assert legend_below(fig, []) == 0.0
    assert not ax.artists and not fig.artists
