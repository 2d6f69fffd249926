"""What a kept pledge really saved: real prices and measured carbon, window vs baseline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from flexcalc.timeslots import SLOT, utc


@dataclass(frozen=True)
class Saving:
    """What a kept pledge saved against its baseline, from the real outcome data."""

    kwh: float
    window: tuple[pd.Timestamp, pd.Timestamp]
    baseline: tuple[pd.Timestamp, pd.Timestamp]
    price_window: float | None  # mean p/kWh in the pledged window
    price_baseline: float | None
    carbon_window: float | None  # mean gCO2/kWh in the pledged window
    carbon_baseline: float | None
    carbon_basis: str  # "actual" | "forecast" | "actual and forecast" | "none"
    gbp: float | None  # £ saved (negative: it cost more)
    kg_co2: float | None  # kgCO2 avoided (negative: more emitted)
    notes: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.gbp is not None and self.kg_co2 is not None

    def text(self) -> str:
        """``you saved 1.2 kgCO2 and 38p`` (honest when it went the other way)."""
        return saving_text(self.kg_co2, self.gbp)


def money(pounds: float) -> str:
    """``38p`` under a pound, ``£1.24`` above, ``£817`` from £100."""
    if abs(pounds) < 1:
        return f"{abs(pounds) * 100:.0f}p"
    if abs(pounds) >= 100:
        return f"£{abs(pounds):,.0f}"
    return f"£{abs(pounds):,.2f}"


def kg_text(kg: float) -> str:
    """``1.2 kgCO2``, ``0.35 kgCO2``, ``12 kgCO2`` (sign dropped)."""
    value = abs(kg)
    digits = 0 if value >= 10 else (1 if value >= 1 else 2)
    return f"{value:.{digits}f} kgCO2"


def saving_text(kg: float | None, gbp: float | None) -> str:
    """``you saved 1.2 kgCO2 and 38p`` / ``you saved 1.2 kgCO2 (it cost 5p more)``."""
    saved, lost = [], []
    for value, fmt in ((kg, kg_text), (gbp, money)):
        if value is None:
            continue
        (saved if value >= 0 else lost).append(fmt(value))
    if saved and lost:
        return f"you saved {saved[0]} (it cost {lost[0]} more)"
    if saved:
        return "you saved " + " and ".join(saved)
    if lost:
        return "this time it used " + " and ".join(lost) + " more than the usual time"
    return "the outcome data isn't available"


def _carbon_frame(carbon: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Columns ``forecast`` and ``actual`` (an actual of 0 counts as missing)."""
    frame = carbon.to_frame("forecast") if isinstance(carbon, pd.Series) else carbon.copy()
    for column in ("forecast", "actual"):
        if column not in frame:
            frame[column] = np.nan
    frame = frame[["forecast", "actual"]].astype(float)
    frame.loc[frame["actual"] <= 0, "actual"] = np.nan
    frame.index = _utc_index(frame.index)
    return frame[~frame.index.duplicated(keep="first")].sort_index()


def outcome_carbon(carbon: pd.DataFrame | pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per slot: the actual intensity where published, else the forecast; and which was used."""
    frame = _carbon_frame(carbon)
    used = frame["actual"].combine_first(frame["forecast"])
    basis = pd.Series(
        np.where(frame["actual"].notna(), "actual", np.where(used.notna(), "forecast", "")),
        index=frame.index,
    )
    return used, basis


def _utc_index(index: pd.Index) -> pd.DatetimeIndex:
    """A UTC DatetimeIndex (naive input, e.g. an empty frame's index, is taken as UTC)."""
    stamps = pd.DatetimeIndex(index)
    return stamps.tz_localize("UTC") if stamps.tz is None else stamps.tz_convert("UTC")


def _between(data, lo: pd.Timestamp, hi: pd.Timestamp):
    """The rows of a series or frame with UTC slot starts in [lo, hi] (cheap on long history)."""
    index = _utc_index(data.index)
    keep = (index >= lo) & (index <= hi)
    part = data[keep].copy()
    part.index = index[keep]
    return part


def _slots(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    return pd.date_range(utc(start), utc(end), freq=SLOT, inclusive="left")


def _on_grid(series: pd.Series, grid: pd.DatetimeIndex) -> np.ndarray:
    part = _between(series, grid[0], grid[-1])
    part = part[~part.index.duplicated(keep="first")]
    return pd.Series(part, dtype=float).reindex(grid).to_numpy()


def _mean_at(values: np.ndarray, positions: np.ndarray) -> float | None:
    chosen = values[positions]
    return None if len(chosen) == 0 or np.isnan(chosen).any() else float(chosen.mean())


def pledge_saving(
    prices: pd.Series,
    carbon: pd.DataFrame | pd.Series,
    window_start: pd.Timestamp,
    window_end: pd.Timestamp,
    baseline_start: pd.Timestamp,
    kwh: float,
) -> Saving:
    """The saving of running ``kwh`` in [window_start, window_end) instead of the baseline
    window of the same length starting at ``baseline_start``.

    ``prices``: the tariff's p/kWh (UTC slot starts). ``carbon``: a frame with ``forecast`` and
    ``actual`` gCO2/kWh (as ``DataProvider.carbon_history``) or a forecast series. Each figure is
    None when a slot of either window has no data (never interpolated); ``carbon_basis`` says
    whether actual or forecast intensity was used.
    """
    window = _slots(window_start, window_end)
    base = _slots(baseline_start, utc(baseline_start) + (utc(window_end) - utc(window_start)))
    lo, hi = min(window[0], base[0]), max(window[-1], base[-1])
    grid = pd.date_range(lo, hi, freq=SLOT)
    price = _on_grid(prices, grid)
    frame = _carbon_frame(_between(carbon, lo, hi))
    forecast, actual = (
        frame[c].reindex(grid).to_numpy(dtype=float) for c in ("forecast", "actual")
    )
    measured = ~np.isnan(actual)
    intensity = np.where(measured, actual, forecast)
    w = ((window - lo) // SLOT).to_numpy()
    b = ((base - lo) // SLOT).to_numpy()
    pw, pb = _mean_at(price, w), _mean_at(price, b)
    cw, cb = _mean_at(intensity, w), _mean_at(intensity, b)
    notes = []
    if pw is None or pb is None:
        notes.append("Prices are missing for part of the window or the baseline.")
    if cw is None or cb is None:
        notes.append("Carbon intensity is missing for part of the window or the baseline.")
        carbon_basis = "none"
    else:
        both = measured[np.concatenate([w, b])]
        carbon_basis = (
            "actual" if both.all() else ("forecast" if not both.any() else "actual and forecast")
        )
    return Saving(
        kwh=kwh,
        window=(window[0], window[-1] + SLOT),
        baseline=(base[0], base[-1] + SLOT),
        price_window=pw,
        price_baseline=pb,
        carbon_window=cw,
        carbon_baseline=cb,
        carbon_basis=carbon_basis,
        gbp=None if pw is None or pb is None else kwh * (pb - pw) / 100,
        kg_co2=None if cw is None or cb is None else kwh * (cb - cw) / 1000,
        notes=tuple(notes),
    )


def basis_note(basis: str) -> str:
    """How the carbon figure was measured, in words."""
    return {
        "actual": "carbon from the grid's measured (actual) intensity",
        "forecast": "carbon from the forecast: the measured intensity wasn't published",
        "actual and forecast": "carbon measured where published, forecast for the rest",
    }.get(basis, "no carbon data for this window")
