"""Tariffs: what electricity costs over time (import and export), and when rates are known.

``base.Tariff`` is the seam every answer codes against. This package's ``__init__`` imports only
pure modules so ``flexcalc.sources`` can use the product-family rules without an import cycle.
"""

from flexcalc.tariffs.base import KINDS, Tariff, TariffKind

__all__ = ["KINDS", "Tariff", "TariffKind"]
