"""Price forecasts past the published horizon, and carbon forecast bands.

- ``tariff_formula``: the regional multiplier and peak adder that turn one wholesale-level price
  into each region's import (and export) price, and back.
- ``calendar``: bank holidays (England and Wales) and UK-local slot features.
- ``features``: what is known at decision time, as model inputs (rolling origin, no leakage).
- ``model``: quantile models (10/50/90 %) and the shipped, safely serialised model file.
- ``predict``: forecasts for a region past the last published slot.
- ``skill``: the day-ahead skill measure (model vs persistence) and the linear baseline.
- ``carbon_bands``: how far carbon forecasts miss, by hours ahead.
"""
