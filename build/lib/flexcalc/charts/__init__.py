"""Chart PNGs for replies: matplotlib ``Figure`` + Agg canvas only, never pyplot (thread-safe).

``common`` holds the shared figure, palette, UK-time axis and PNG helpers for every chart module.
"""

from flexcalc.charts.common import new_figure, png_size, to_png
from flexcalc.charts.forecast import carbon_chart, forecast_chart, prices_chart

__all__ = ["carbon_chart", "forecast_chart", "new_figure", "png_size", "prices_chart", "to_png"]
