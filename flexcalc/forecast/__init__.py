"""Price forecasts past the published horizon, and carbon forecast bands.

The regional price formula (one wholesale-level price -> every region's price, and back) belongs
to the tariff: ``flexcalc.tariffs.regional_formula``.

- ``calendar``: bank holidays (England and Wales) and UK-local slot features.
- ``features``: what is known at decision time, as model inputs (rolling origin, no leakage).
- ``model``: quantile models (10/50/90 %) and the shipped, safely serialised model file.
- ``predict``: forecasts for a region past the last published slot.
- ``skill``: the day-ahead skill measure (model vs persistence) and the linear baseline.
- ``carbon_bands``: how far carbon forecasts miss, by hours ahead.
"""
