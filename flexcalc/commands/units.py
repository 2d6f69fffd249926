"""How numbers are written for people: p/kWh, gCO2/kWh, £, kgCO2, percentages."""

from __future__ import annotations

import pandas as pd


def price(p_per_kwh: float | None) -> str:
    return "n/a" if p_per_kwh is None else f"{p_per_kwh:.2f} p/kWh"


def price_range(low: float, high: float) -> str:
    """``"-1.06 to 14.63 p/kWh"``: "to", since a dash next to a negative price misreads."""
    return f"{low:.2f} to {high:.2f} p/kWh"


def carbon(g_per_kwh: float | None) -> str:
    return "n/a" if g_per_kwh is None else f"{g_per_kwh:.0f} gCO2/kWh"


def gbp(pounds: float | None) -> str:
    if pounds is None:
        return "n/a"
    sign = "-" if pounds < 0 else ""
    return f"{sign}£{abs(pounds):,.2f}"


def kg(kilograms: float | None) -> str:
    return "n/a" if kilograms is None else f"{kilograms:,.2f} kgCO2"


def duration(td: pd.Timedelta) -> str:
    """``4 h``, ``2 h 30 min``, ``30 min``."""
    minutes = int(td.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def change(better: float | None, worse: float | None) -> str:
    """How much lower ``better`` is than ``worse``, as text: "38% lower" / "5% higher"."""
    if better is None or worse is None or worse == 0:
        return "n/a"
    pct = (worse - better) / abs(worse) * 100
    if abs(pct) < 0.5:
        return "about the same"
    return f"{abs(pct):.0f}% {'lower' if pct > 0 else 'higher'}"


def saving(better: float | None, other: float | None, unit: str, decimals: int) -> str:
    """``"25.61 p/kWh less (96%)"``; the percentage only where both values are positive."""
    if better is None or other is None:
        return "n/a"
    diff = other - better
    word = "less" if diff >= 0 else "more"
    text = f"{abs(diff):.{decimals}f} {unit} {word}"
    if better > 0 and other > 0 and abs(diff) >= 0.005:
        text += f" ({abs(diff) / other * 100:.0f}%)"
    return text


def money_and_carbon(saved_gbp: float, saved_kg: float) -> str:
    """Savings as words: ``"£4.98 and 0.35 kgCO2"``, or ``"£4.98 but emit 0.04 kgCO2 more"``."""
    money = gbp(saved_gbp) if saved_gbp >= 0 else f"nothing (it costs {gbp(-saved_gbp)} more)"
    if saved_kg != saved_kg:  # NaN: no carbon data
        return f"{money} (kgCO2 n/a: no carbon data)"
    if saved_kg >= 0:
        return f"{money} and {kg(saved_kg)}"
    return f"{money} but emit {kg(-saved_kg)} more"
