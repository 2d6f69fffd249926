"""A small library of concrete things people can shift, and ``pick_tip`` to fit the day's shape.

Each tip is a typical load (power x hours) with a plain-language action. The effect estimate is
that load run in the day's best window of its length instead of the worst one, using the same
prices and carbon the user sees (forecast or history).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from flexcalc import windows
from flexcalc.commands import units
from flexcalc.sources.base import Forecast
from flexcalc.timeslots import LONDON, fmt_time

# Day shapes: where the day's best 2 h falls (UK time), or special days.
PLUNGE = "plunge"  # some prices below zero: paid to use electricity
OVERNIGHT = "overnight"  # best 2 h starts 22:00-06:00
MORNING = "morning"  # 06:00-10:00
MIDDAY = "midday"  # 10:00-16:00 (solar)
EVENING = "evening"  # 16:00-22:00 (rare: windy evenings)
FLAT = "flat"  # little to gain from moving anything
SHAPES = (PLUNGE, OVERNIGHT, MORNING, MIDDAY, EVENING, FLAT)

FLAT_CARBON_SPREAD = 0.15  # best 2 h within 15% of the worst 2 h ...
FLAT_PRICE_SPREAD = 3.0  # ... and within 3 p/kWh


@dataclass(frozen=True)
class Tip:
    """One shiftable load and what to do with it. ``{start}``/``{end}`` are filled in."""

    key: str
    title: str
    kw: float  # typical power of the load
    hours: float  # how long it runs
    action: str  # e.g. "Set the EV charger to start at {start}."
    shapes: tuple[str, ...]  # day shapes it fits, best fit first
    assumption: str  # where the kW figure comes from, shown with the estimate

    @property
    def kwh(self) -> float:
        return self.kw * self.hours

    @property
    def slots(self) -> int:
        return max(1, round(self.hours * 2))


TIPS: tuple[Tip, ...] = (
    Tip(
        "batch",
        "Batch jobs",
        10.0,
        3.0,
        "Schedule batch jobs, backups and model training to start at {start} (cron, Airflow or "
        "a Kubernetes CronJob) rather than at a habitual hour.",
        (OVERNIGHT, PLUNGE, FLAT, MORNING),
        "a small server rack at 10 kW for 3 h",
    ),
    Tip(
        "ci",
        "CI pipelines",
        2.0,
        2.0,
        "Move the full test suite, image builds and dependency scans to {start}–{end}; keep only "
        "the quick checks on every push.",
        (MIDDAY, OVERNIGHT, EVENING),
        "two build runners at 1 kW each for 2 h",
    ),
    Tip(
        "ev",
        "EV charging",
        7.0,
        4.0,
        "EV drivers: set the charger's schedule to {start}–{end} rather than plugging in at 17:00.",
        (PLUNGE, OVERNIGHT, MIDDAY),
        "a 7 kW home or workplace charger for 4 h",
    ),
    Tip(
        "dishwasher",
        "Dishwashers",
        0.6,
        2.0,
        "Put the office and home dishwashers on a delay timer to start at {start}.",
        (OVERNIGHT, PLUNGE, EVENING),
        "one eco cycle, about 1.2 kWh over 2 h",
    ),
    Tip(
        "laptops",
        "Laptop charging",
        1.2,
        2.0,
        "Charge laptops, phones and e-bikes {start}–{end}, then run them on battery through the "
        "16:00–19:00 peak.",
        (MIDDAY, MORNING, FLAT),
        "20 laptops at 60 W for 2 h",
    ),
    Tip(
        "heating",
        "Heating pre-warm",
        3.0,
        2.0,
        "Pre-warm the office (or home) {start}–{end} and let the heating coast through the dirtier "
        "hours; a well-insulated building holds the heat for hours.",
        (MORNING, OVERNIGHT, MIDDAY),
        "a 3 kW heat pump for 2 h",
    ),
)

BY_KEY = {tip.key: tip for tip in TIPS}


@dataclass(frozen=True)
class TipChoice:
    """A tip fitted to one day: where to run it, what it replaces and the estimated effect."""

    tip: Tip
    shape: str
    best: windows.Window
    worst: windows.Window | None
    kg_co2: float | None  # kgCO2 avoided per run vs the worst window (None if unknown)
    gbp: float | None  # £ saved per run vs the worst window

    @property
    def text(self) -> str:
        """``EV charging: EV drivers: set … Effect: about 3.1 kgCO2 and £2.40 per charge …``."""
        action = self.tip.action.format(
            start=fmt_time(self.best.start), end=fmt_time(self.best.end)
        )
        return f"{self.tip.title}: {action} {self.effect}"

    @property
    def effect(self) -> str:
        parts = []
        if self.kg_co2 is not None:
            parts.append(units.kg(self.kg_co2))
        if self.gbp is not None:
            parts.append(units.gbp(self.gbp))
        if not parts or self.worst is None:
            return f"({self.tip.assumption}.)"
        return (
            f"Effect: about {' and '.join(parts)} per run vs the worst time "
            f"({fmt_time(self.worst.start)}–{fmt_time(self.worst.end)}), for "
            f"{self.tip.assumption}."
        )


def _frame(data: Forecast | pd.DataFrame) -> pd.DataFrame:
    if isinstance(data, Forecast):
        return data.frame()
    return data


def _objective(frame: pd.DataFrame) -> str:
    has = {c for c in ("price", "carbon") if c in frame and frame[c].notna().any()}
    return "balanced" if has == {"price", "carbon"} else ("carbon" if "carbon" in has else "price")


def day_shape(data: Forecast | pd.DataFrame) -> str:
    """Which of ``SHAPES`` the day has (from its best and worst 2 h, balanced objective)."""
    frame = _frame(data)
    if "price" in frame and (frame["price"].dropna() < 0).any():
        return PLUNGE
    objective = _objective(frame)
    best = windows.best_window(frame, 4, objective)
    worst = windows.best_window(frame, 4, objective, highest=True)
    if best is None:
        return FLAT
    if worst is not None and _is_flat(best, worst):
        return FLAT
    hour = best.start.tz_convert(LONDON).hour
    if hour >= 22 or hour < 6:
        return OVERNIGHT
    if hour < 10:
        return MORNING
    if hour < 16:
        return MIDDAY
    return EVENING


def _is_flat(best: windows.Window, worst: windows.Window) -> bool:
    carbon_flat = price_flat = True
    if best.carbon is not None and worst.carbon:
        carbon_flat = (worst.carbon - best.carbon) / worst.carbon < FLAT_CARBON_SPREAD
    if best.price is not None and worst.price is not None:
        price_flat = worst.price - best.price < FLAT_PRICE_SPREAD
    return carbon_flat and price_flat


def fit_tip(tip: Tip, data: Forecast | pd.DataFrame, shape: str | None = None) -> TipChoice | None:
    """``tip`` placed in the day's best window of its length (None if no window fits)."""
    frame = _frame(data)
    objective = _objective(frame)
    best = windows.best_window(frame, tip.slots, objective)
    if best is None:
        return None
    worst = windows.best_window(frame, tip.slots, objective, highest=True)
    kg = gbp = None
    if worst is not None:
        if best.carbon is not None and worst.carbon is not None:
            kg = tip.kwh * (worst.carbon - best.carbon) / 1000
        if best.price is not None and worst.price is not None:
            gbp = tip.kwh * (worst.price - best.price) / 100
    return TipChoice(tip, shape or day_shape(frame), best, worst, kg, gbp)


def tips_for(data: Forecast | pd.DataFrame, count: int = 3) -> list[TipChoice]:
    """Up to ``count`` different tips that fit the day, best fit first (ties: larger effect)."""
    frame = _frame(data)
    shape = day_shape(frame)
    fitting = [t for t in TIPS if shape in t.shapes]
    fitting.sort(key=lambda t: t.shapes.index(shape))
    rest = [t for t in TIPS if t not in fitting]
    out: list[TipChoice] = []
    for tip in [*fitting, *rest]:
        choice = fit_tip(tip, frame, shape)
        if choice is not None:
            out.append(choice)
        if len(out) == count:
            break
    return out


def pick_tip(data: Forecast | pd.DataFrame) -> TipChoice | None:
    """The one tip that best fits the day's shape, with its effect estimate."""
    choices = tips_for(data, count=1)
    return choices[0] if choices else None
