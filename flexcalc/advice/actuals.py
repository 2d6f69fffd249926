"""What actually happened over a span: prices on the advised tariff and carbon intensity."""

from __future__ import annotations

from typing import Any

import pandas as pd

from flexcalc.advice.scoring import actual_frame
from flexcalc.commands.answer_tariffs import resolve
from flexcalc.commands.requests import Context
from flexcalc.regions import Region
from flexcalc.tariffs import spec
from flexcalc.tariffs.priced import TariffPricedProvider


def priced_provider(provider: Any, region: Region, tariff_words: str) -> Any:
    """``provider`` pricing with the tariff the advice used ("": the default, Agile)."""
    if not tariff_words:
        return provider
    tariff = resolve(spec.parse(tariff_words), Context(provider=provider, region=region))
    return TariffPricedProvider(provider, tariff)


def actuals(
    provider: Any, region: Region, tariff_words: str, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """``actual_frame`` for [start, end): raises ``DataUnavailable`` when a source is down."""
    prices = priced_provider(provider, region, tariff_words).price_history(region, start, end)
    carbon = provider.carbon_history(region, start, end)
    return actual_frame(prices, carbon)
