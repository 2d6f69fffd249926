"""Carbon Intensity index bands ("very low" .. "very high") and the low-carbon share of a mix."""

from __future__ import annotations

# National index bands (upper limits, gCO2/kWh) as the API applied them in 2024, read off the
# recorded history in tests/fixtures/history (the API revises them down most years). Used where
# the API's own ``index`` is not at hand.
BAND_LIMITS = [(35, "very low"), (110, "low"), (190, "moderate"), (270, "high")]


def intensity_index(g_per_kwh: float) -> str:
    """The index band name for an intensity."""
    for limit, name in BAND_LIMITS:
        if g_per_kwh < limit:
            return name
    return "very high"


# Low-carbon generation, as the UK government's Energy Trends counts it: nuclear plus renewables,
# bioenergy (biomass) included. The one definition every answer and alert uses.
LOW_CARBON_FUELS = ("nuclear", "wind", "solar", "hydro", "biomass")


def low_carbon_share(mix: dict[str, float]) -> float:
    """The low-carbon share (%) of a generation mix given as % by fuel."""
    return sum(mix.get(fuel, 0.0) for fuel in LOW_CARBON_FUELS)
