"""How a workspace's past advice did, summed up: the ``accuracy`` answer and the digest line.

Regret in p/kWh is averaged over advice chosen for price (and balanced advice); regret in
gCO2/kWh over advice chosen for carbon (and balanced). Balanced windows trade one for the other
on purpose, so part of their regret is that trade, not a mistake; the answer says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from flexcalc.advice.scoring import WITHIN_P
from flexcalc.reply import Field, Reply, Table

PRICE_METRICS = ("price", "balanced")
CARBON_METRICS = ("carbon", "balanced")
PERIODS = {"week": 7, "month": 30}


@dataclass(frozen=True)
class Scored:
    """One settled piece of advice: what it was chosen for, and its regrets."""

    metric: str  # price | carbon | balanced
    from_forecast: bool  # the chosen window used forecast (not yet published) prices
    regret_p: float | None  # p/kWh above the cheapest window in hindsight
    regret_g: float | None  # gCO2/kWh above the greenest window in hindsight


@dataclass(frozen=True)
class Accuracy:
    """Figures over a set of scored advice (None where nothing counts)."""

    scored: int
    priced: int  # advice with a price regret (price or balanced)
    mean_regret_p: float | None
    within_1p: float | None  # share of ``priced`` within WITHIN_P of the best
    carbon: int  # advice with a carbon regret (carbon or balanced)
    mean_regret_g: float | None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarise(items: Iterable[Scored]) -> Accuracy:
    items = list(items)
    p = [s.regret_p for s in items if s.metric in PRICE_METRICS and s.regret_p is not None]
    g = [s.regret_g for s in items if s.metric in CARBON_METRICS and s.regret_g is not None]
    return Accuracy(
        scored=len(items),
        priced=len(p),
        mean_regret_p=_mean(p),
        within_1p=_mean([1.0 if r <= WITHIN_P else 0.0 for r in p]),
        carbon=len(g),
        mean_regret_g=_mean(g),
    )


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} p/kWh"


def _g(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} gCO2/kWh"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def line(acc: Accuracy) -> str:
    """One sentence: ``12 scored; 0.84 p/kWh above the best on average, 75% within 1 p; …``."""
    if acc.scored == 0:
        return "no advice has been scored yet (windows are scored once they have passed)"
    parts = [f"{acc.scored} piece(s) of advice scored"]
    if acc.priced:
        parts.append(
            f"{_p(acc.mean_regret_p)} above the cheapest window in hindsight on average, "
            f"{_share(acc.within_1p)} within 1 p of it"
        )
    if acc.carbon:
        parts.append(f"{_g(acc.mean_regret_g)} above the greenest")
    return "; ".join(parts)


def split_by_source(items: Iterable[Scored]) -> tuple[Accuracy, Accuracy]:
    """(forecast-based advice, published-price advice)."""
    items = list(items)
    return (
        summarise(s for s in items if s.from_forecast),
        summarise(s for s in items if not s.from_forecast),
    )


def _column(acc: Accuracy) -> list[str]:
    return [
        str(acc.scored),
        _p(acc.mean_regret_p),
        _share(acc.within_1p),
        _g(acc.mean_regret_g),
    ]


def accuracy_reply(
    periods: dict[str, Sequence[Scored]], headline: str = "week", pending: int = 0
) -> Reply:
    """The ``accuracy`` answer: ``periods`` maps week/month to that period's scored advice."""
    days = PERIODS[headline]
    main = list(periods.get(headline, ()))
    acc = summarise(main)
    forecast, published = split_by_source(main)
    rows: list[list[str]] = []
    labels = ["Scored", "Mean regret (price)", "Within 1 p of the best", "Mean regret (carbon)"]
    columns = {name: summarise(periods.get(name, ())) for name in PERIODS}
    for i, label in enumerate(labels):
        rows.append([label, *(_column(columns[name])[i] for name in PERIODS)])
    fields = [
        Field("Scored", str(acc.scored)),
        Field("Mean regret (price)", _p(acc.mean_regret_p)),
        Field("Within 1 p of the best", _share(acc.within_1p)),
        Field("Mean regret (carbon)", _g(acc.mean_regret_g)),
        Field("From forecast prices", line(forecast)),
        Field("From published prices", line(published)),
    ]
    notes = [
        "Regret: how much more the recommended window cost (or emitted) per kWh than the best "
        "window of the same length in the same span, once actual prices and carbon were known.",
        "Balanced windows (for both) trade price against carbon on purpose, so part of their "
        "regret is that trade.",
    ]
    if pending:
        notes.append(f"{pending} more are waiting for their span to pass.")
    return Reply(
        title=f"How Flexcalc's advice did — last {days} days",
        summary=f"Last {days} days: {line(acc)}.",
        fields=fields,
        table=Table(columns=["", "Last 7 days", "Last 30 days"], rows=rows),
        notes=notes,
        data={
            "command": "accuracy",
            "days": days,
            "periods": {name: _period_data(name, periods.get(name, ())) for name in PERIODS},
            "pending": pending,
        },
    )


def _period_data(name: str, items: Sequence[Scored]) -> dict:
    forecast, published = split_by_source(items)
    return {
        "days": PERIODS[name],
        **asdict(summarise(items)),
        "forecast": asdict(forecast),
        "published": asdict(published),
    }
