"""Day-ahead skill, measured the same way every time.

For each day D: a forecast made at 10:00 UK on D-1 (prices then published to 23:00 UK on D-1)
for D 00:00-24:00 UK, from data available then only (``features.known_inputs``). Persistence is
the same UK slot on the latest published day. Regret: the actual mean price of the 3 h window a
forecast ranks cheapest within D, minus that of the truly cheapest 3 h window of D.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

from flexcalc.forecast.error_correlation import standardise
from flexcalc.forecast.features import Decision, NotEnoughHistory, build_features, from_target
from flexcalc.forecast.history import History
from flexcalc.forecast.model import DECISION_HOUR, PriceModel
from flexcalc.forecast.predict import forecast_slots
from flexcalc.forecast.training import training_set
from flexcalc.tariffs.regional_formula import import_from_wholesale, to_wholesale
from flexcalc.timeslots import local_day_slots, utc
from flexcalc.windows import best_start, rolling_means

WINDOW_SLOTS = 6  # 3 h


@dataclass
class LinearBaseline:
    """The plain linear model the issue names: slot of day, persistence, carbon forecast."""

    model: LinearRegression
    carbon_fill: float

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict(_linear_inputs(frame, self.carbon_fill))


def _linear_inputs(frame: pd.DataFrame, carbon_fill: float) -> np.ndarray:
    slots = np.zeros((len(frame), 50))
    slots[np.arange(len(frame)), frame["slot_of_day"].to_numpy(dtype=int)] = 1.0
    persistence = frame["persistence"].fillna(frame["level"]).to_numpy()
    carbon = frame["carbon"].fillna(carbon_fill).to_numpy()
    return np.column_stack([slots, persistence, carbon])


def fit_linear_baseline(history: History) -> LinearBaseline:
    frame, relative = training_set(history)
    target = from_target(relative, frame)
    fill = float(np.nanmean(frame["carbon"].to_numpy()))
    return LinearBaseline(LinearRegression().fit(_linear_inputs(frame, fill), target), fill)


def decision_for_day(day: date) -> Decision:
    """The skill decision for day D: 10:00 UK on D-1."""
    return Decision.at(utc(f"{day - timedelta(days=1)} {DECISION_HOUR}"))


def regret(forecast: np.ndarray, actual: np.ndarray, k: int = WINDOW_SLOTS) -> float:
    """Actual mean of the k-slot window ``forecast`` ranks cheapest minus the best actual one
    (ties -> earliest window, as every answer picks)."""
    chosen = best_start(forecast, k)
    actual_means = rolling_means(actual, k)
    return float(actual_means[chosen] - actual_means.min())


def evaluate(
    model: PriceModel,
    prices: pd.Series,
    letter: str,
    carbon: pd.Series | None,
    first: date,
    last: date,
    baseline: LinearBaseline | None = None,
    progress: Callable[[float], None] | None = None,
) -> dict:
    """Skill of ``model`` (and persistence, and ``baseline`` if given) over days first..last."""
    wholesale = to_wholesale(prices.dropna(), letter)
    rows: list[dict] = []
    days = pd.date_range(first, last, freq="D").date
    for i, day in enumerate(days):
        targets = local_day_slots(day)
        actual = prices.reindex(targets).to_numpy(dtype=float)
        if np.isnan(actual).any():
            continue
        try:
            frame = build_features(wholesale, carbon, decision_for_day(day), targets)
        except NotEnoughHistory:
            continue
        if frame["persistence"].isna().any():
            continue
        quantiles = import_from_wholesale(model.predict(frame), targets, letter)
        persistence = import_from_wholesale(frame["persistence"].to_numpy(), targets, letter)
        row = {
            "day": day.isoformat(),
            "model_mae": float(np.abs(quantiles[:, 1] - actual).mean()),
            "persistence_mae": float(np.abs(persistence - actual).mean()),
            "model_regret": regret(quantiles[:, 1], actual),
            "persistence_regret": regret(persistence, actual),
            "inside_10_90": float(
                ((actual >= quantiles[:, 0]) & (actual <= quantiles[:, 2])).mean()
            ),
        }
        if baseline is not None:
            linear = import_from_wholesale(baseline.predict(frame), targets, letter)
            row["linear_mae"] = float(np.abs(linear - actual).mean())
            row["linear_regret"] = regret(linear, actual)
        rows.append(row)
        if progress:
            progress((i + 1) / len(days))
    return summarise(rows)


def lead_day_scores(
    model: PriceModel, wholesale: pd.Series, carbon: pd.Series | None, days: Iterable[date]
) -> dict[int, list[np.ndarray]]:
    """Held-out standard scores of each 7-day forecast made at 10:00 UK on D-1 for each day D,
    from the wholesale-level series, split by lead day (0 = the first 24 h past the published
    horizon): what ``error_correlation.equicorrelation`` measures."""
    out: dict[int, list[np.ndarray]] = {}
    for day in days:
        decision = decision_for_day(day)
        targets = forecast_slots(decision.known_until)
        try:
            frame = build_features(wholesale, carbon, decision, targets)
        except NotEnoughHistory:
            continue
        scores = standardise(wholesale.reindex(targets).to_numpy(), model.predict(frame))
        lead_day = (frame["lead_hours"].to_numpy() // 24).astype(int)
        for d in np.unique(lead_day):
            out.setdefault(int(d), []).append(scores[lead_day == d])
    return out


def summarise(rows: list[dict]) -> dict:
    """Means over days, plus the ratios the benchmarks use."""
    if not rows:
        return {"days": 0}
    table = pd.DataFrame(rows)
    out: dict = {"days": len(table)}
    for column in table.columns.drop("day"):
        out[column] = round(float(table[column].mean()), 4)
    out["mae_ratio"] = _ratio(out["model_mae"], out["persistence_mae"])
    out["regret_ratio"] = _ratio(out["model_regret"], out["persistence_regret"])
    if "linear_mae" in out:
        out["linear_mae_ratio"] = _ratio(out["linear_mae"], out["persistence_mae"])
        out["linear_regret_ratio"] = _ratio(out["linear_regret"], out["persistence_regret"])
    return out


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None
