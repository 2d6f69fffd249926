"""The forecast part of a price chart: a shaded 10-90 % band over hatched forecast slots.

Prices past the published horizon are forecast, never published: the band, the hatching and a
"forecast" label make that visible on every chart that shows them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from flexcalc.charts.common import FONT, PALETTE, date_nums

SLOT_DAYS = 1 / 48
BAND_COLOUR = "#7F8FA6"
BAND_LABEL = "Forecast, 10–90% range"


def draw_forecast_band(ax: Axes, band: pd.DataFrame) -> list[Patch]:
    """Shade ``band`` (columns p10, p90; UTC slot index) and mark where the forecast starts.
    Returns the legend handles."""
    if band.empty:
        return []
    x = np.asarray(date_nums(band.index))
    edges = np.append(x, x[-1] + SLOT_DAYS)
    low = np.append(band["p10"].to_numpy(), band["p10"].iloc[-1])
    high = np.append(band["p90"].to_numpy(), band["p90"].iloc[-1])
    ax.axvspan(
        edges[0],
        edges[-1],
        facecolor="white",
        alpha=0.45,
        hatch="///",
        edgecolor=PALETTE["grid"],
        linewidth=0,
        zorder=2.5,
    )
    ax.fill_between(
        edges, low, high, step="post", color=BAND_COLOUR, alpha=0.35, linewidth=0, zorder=3
    )
    ax.axvline(edges[0], color=PALETTE["muted"], linewidth=1.2, linestyle=":", zorder=6)
    ax.text(
        edges[0],
        0.97,
        " forecast →",
        transform=ax.get_xaxis_transform(),
        fontsize=FONT["label"],
        color=PALETTE["muted"],
        va="top",
        zorder=7,
    )
    return [Patch(facecolor=BAND_COLOUR, alpha=0.5, label=BAND_LABEL)]


def band_limits(band: pd.DataFrame, lo: float, hi: float) -> tuple[float, float]:
    """Widen the y limits (lo, hi) so the whole band shows."""
    if band.empty:
        return lo, hi
    pad = 0.05 * (hi - lo or 1.0)
    return min(lo, float(band["p10"].min()) - pad), max(hi, float(band["p90"].max()) + pad)
