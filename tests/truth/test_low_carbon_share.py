"""One low-carbon share: the carbon answer and the daily alert's mix line count the same fuels
(nuclear + renewables, biomass included), checked against a sum written here."""

from __future__ import annotations

import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from flexcalc import daily
from flexcalc.commands import Context
from flexcalc.commands.answer_forecast import answer_carbon
from flexcalc.commands.requests import CarbonRequest
from flexcalc.regions import by_letter
from flexcalc.sources.base import Forecast
from flexcalc.sources.sample import SampleProvider

FUELS = ("biomass", "coal", "gas", "hydro", "imports", "nuclear", "oil", "other", "solar", "wind")
LOW = {"biomass", "hydro", "nuclear", "solar", "wind"}  # DESNZ Energy Trends: nuclear + renewables
NOW = pd.Timestamp("2024-06-08 16:30Z")

mixes = st.dictionaries(st.sampled_from(FUELS), st.floats(0, 60, allow_nan=False), min_size=1)


def brute_share(mix: dict[str, float]) -> float:
    total = 0.0
    for fuel, pct in mix.items():
        if fuel in LOW:
            total += pct
    return total


@settings(max_examples=60, deadline=None)
@given(mixes)
def test_the_carbon_answer_and_the_alert_give_the_same_low_carbon_share(mix):
    slots = pd.date_range(NOW, periods=8, freq="30min")
    forecast = Forecast(
        by_letter("C"),
        pd.Series(20.0, index=slots, name="price"),
        pd.Series(100.0, index=slots, name="carbon"),
        NOW,
        mix=mix,
    )
    ctx = Context(provider=SampleProvider(), region=by_letter("C"), now=NOW, charts=False)
    reply = answer_carbon(CarbonRequest(), ctx, forecast)
    shown = {f.label: f.value for f in reply.fields}["Low-carbon share now"]
    line = daily.mix_text(mix)
    alert = re.search(r"low-carbon (\d+)%", line).group(1)
    assert shown == f"{brute_share(mix):.0f}%" == f"{alert}%"
