"""Best times to use electricity: contiguous windows, split slots, objectives and savings.

Pure numpy/pandas, no I/O. Every frame is indexed by UTC half-hour slot *starts* (see
``flexcalc.timeslots``) with columns ``price`` (p/kWh, may be negative) and/or ``carbon``
(gCO2/kWh). Frames may have gaps; a contiguous window never spans a gap or a NaN, and never
reaches past the last known slot. Times of day (``between``) are Europe/London wall-clock times.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flexcalc.timeslots import LONDON, SLOT, fmt_day_time, fmt_span

OBJECTIVES = ("price", "carbon", "balanced")
_MAX_GAPS_SHOWN = 3


@dataclass(frozen=True)
class Window:
    """A set of half-hour slots with their mean price and carbon intensity."""

    start: pd.Timestamp  # UTC, first slot start
    end: pd.Timestamp  # UTC, end of last slot (exclusive)
    slots: pd.DatetimeIndex  # the chosen slot starts (contiguous unless split)
    price: float | None  # mean p/kWh over the slots (None if no price data)
    carbon: float | None  # mean gCO2/kWh over the slots (None if no carbon data)

    @property
    def duration(self) -> pd.Timedelta:
        """Time the load runs: ``len(slots)`` half-hours (not ``end - start`` when split)."""
        return len(self.slots) * SLOT

    @property
    def is_contiguous(self) -> bool:
        return self.end - self.start == self.duration

    def cost_gbp(self, kwh: float) -> float | None:
        """£ for ``kwh`` spread evenly over the slots."""
        return None if self.price is None else kwh * self.price / 100

    def emissions_kg(self, kwh: float) -> float | None:
        """kgCO2 for ``kwh`` spread evenly over the slots."""
        return None if self.carbon is None else kwh * self.carbon / 1000


def rolling_means(values: np.ndarray, k: int) -> np.ndarray:
    """Mean of every run of k consecutive values via cumulative sums, O(N).

    Length N-k+1 (empty if N < k); NaN where the run contains a NaN.
    """
    sums, nans = _cumulative(values)
    return _run_means(sums, nans, k)


def _cumulative(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Cumulative sums with a leading 0 (NaN as 0) and, if any NaN, cumulative NaN counts."""
    v = np.asarray(values, dtype=float)
    nan = np.isnan(v)
    has_nan = bool(nan.any())
    sums = np.empty(v.size + 1)
    sums[0] = 0.0
    np.cumsum(np.where(nan, 0.0, v) if has_nan else v, out=sums[1:])
    nans = np.concatenate(([0], np.cumsum(nan))) if has_nan else None
    return sums, nans


def _run_means(sums: np.ndarray, nans: np.ndarray | None, k: int) -> np.ndarray:
    if k < 1:
        raise ValueError("k must be at least 1")
    if sums.size - 1 < k:
        return np.empty(0)
    out = sums[k:] - sums[:-k]
    out /= k
    if nans is not None:
        out[(nans[k:] - nans[:-k]) > 0] = np.nan
    return out


def best_index(means: np.ndarray, *, highest: bool = False) -> int | None:
    """Index of the lowest (or highest) non-NaN value; near-ties (float noise) -> earliest."""
    m = np.asarray(means, dtype=float)
    if m.size == 0:
        return None
    target = float(m.max() if highest else m.min())  # NaN if any value is NaN
    if np.isnan(target):
        ok = ~np.isnan(m)
        if not ok.any():
            return None
        target = float(m[ok].max() if highest else m[ok].min())
    # Cumulative sums make equal runs differ by ~1e-12; treat those as ties (NaN compares False).
    tol = 1e-9 * max(1.0, abs(target))
    hits = (m >= target - tol) if highest else (m <= target + tol)
    return int(hits.argmax())


def best_start(values: np.ndarray, k: int, *, highest: bool = False) -> int | None:
    """Index of the run of k with the lowest (or highest) mean; ties -> earliest;
    None if no complete run (too short, or every run touches a NaN)."""
    return best_index(rolling_means(values, k), highest=highest)


def best_starts(
    values: np.ndarray, ks: Iterable[int], *, highest: bool = False
) -> dict[int, int | None]:
    """``best_start`` for many run lengths at once, sharing one cumulative sum (for sweeps)."""
    sums, nans = _cumulative(values)
    return {k: best_index(_run_means(sums, nans, k), highest=highest) for k in ks}


def _utc_index(frame: pd.DataFrame) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(frame.index)
    return idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")


def _as_utc(ts: pd.Timestamp | datetime.datetime | str) -> pd.Timestamp:
    stamp = pd.Timestamp(ts)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _minutes(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


def in_daily_span(
    slots: pd.DatetimeIndex, between: tuple[datetime.time, datetime.time]
) -> np.ndarray:
    """Boolean mask: which half-hour slots lie fully inside the daily UK-time span ``between``.

    The span may cross midnight (22:00-07:00); equal ends mean the whole day. Evaluated on each
    slot's Europe/London wall clock, so on DST nights the span is 30 min x 16 or 20 slots.
    """
    a, b = _minutes(between[0]), _minutes(between[1])
    loc = pd.DatetimeIndex(slots).tz_convert(LONDON)
    m = np.asarray(loc.hour * 60 + loc.minute)
    e = m + 30  # nominal wall-clock end of the slot (1440 = midnight)
    if a == b:
        return np.ones(len(m), dtype=bool)
    if a < b:
        return (m >= a) & (e <= b)
    return (m >= a) | (e <= b)


def candidate_slots(
    frame: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp | None,
    between: tuple[datetime.time, datetime.time] | None = None,
) -> pd.DataFrame:
    """Rows of a (price, carbon) frame whose slots lie fully in [start, end) and, if given,
    inside the daily Europe/London span ``between`` (which may cross midnight, e.g. 22:00-07:00).

    A slot that began before ``start`` is excluded; pass ``floor_slot(now)`` to keep the
    current slot. The result keeps the frame's columns with a UTC index.
    """
    out = frame.copy()
    out.index = _utc_index(frame)
    out = out.sort_index()
    keep = out.index >= _as_utc(start)
    if end is not None:
        keep &= (out.index + SLOT) <= _as_utc(end)
    if between is not None:
        keep &= in_daily_span(out.index, between)
    return out[keep]


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame on a gap-free half-hour grid, first to last slot (gaps become NaN rows)."""
    out = frame.copy()
    out.index = _utc_index(frame)
    out = out[~out.index.duplicated(keep="first")].sort_index()
    if len(out) == 0:
        return out
    grid = pd.date_range(out.index[0], out.index[-1], freq=SLOT)
    return out.reindex(grid)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)


def _normalised(values: np.ndarray) -> np.ndarray:
    lo, hi = np.nanmin(values), np.nanmax(values)
    if not hi > lo:
        return np.where(np.isnan(values), np.nan, 0.0)
    return (values - lo) / (hi - lo)


def objective_values(frame: pd.DataFrame, objective: str = "price") -> np.ndarray:
    """Per-slot score to minimise: price, carbon, or balanced (min-max-normalised price +
    carbon over the frame, equal weights; NaN where either is missing)."""
    if objective == "price":
        return _column(frame, "price")
    if objective == "carbon":
        return _column(frame, "carbon")
    if objective == "balanced":
        price, carbon = _column(frame, "price"), _column(frame, "carbon")
        both = ~np.isnan(price) & ~np.isnan(carbon)
        if not both.any():
            return np.full(len(frame), np.nan)
        price = np.where(both, price, np.nan)
        carbon = np.where(both, carbon, np.nan)
        return (_normalised(price) + _normalised(carbon)) / 2
    raise ValueError(f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")


def _mean_or_none(frame: pd.DataFrame, name: str) -> float | None:
    """Mean of a column over the window's rows; None unless every slot has a value."""
    values = _column(frame, name)
    if values.size == 0 or np.isnan(values).any():
        return None
    return float(values.mean())


def make_window(frame: pd.DataFrame, slots: pd.DatetimeIndex) -> Window:
    """A ``Window`` over ``slots`` (which must be in ``frame``), with mean price and carbon."""
    slots = pd.DatetimeIndex(slots).sort_values()
    rows = frame.loc[slots]
    return Window(
        start=slots[0],
        end=slots[-1] + SLOT,
        slots=slots,
        price=_mean_or_none(rows, "price"),
        carbon=_mean_or_none(rows, "carbon"),
    )


def best_window(
    frame: pd.DataFrame,
    slots: int,
    objective: str = "price",
    *,
    highest: bool = False,
    split: bool = False,
) -> Window | None:
    """The best (or, with ``highest``, worst) window of ``slots`` half-hours.

    frame: columns price and/or carbon, UTC half-hour index (may have gaps). objective:
    "price" | "carbon" | "balanced" (min-max-normalised price + carbon, equal weights, over the
    frame). Contiguous windows never span a gap (missing slot or NaN in the objective column) and
    never reach past the last known slot; ties go to the earliest start. split=True: the k best
    slots anywhere in the frame (not necessarily adjacent; reported sorted; ties -> earliest).
    Returns None if no window fits.
    """
    if slots < 1:
        raise ValueError("slots must be at least 1")
    grid = _complete(frame)
    if len(grid) < slots:
        return None
    scores = objective_values(grid, objective)
    if split:
        known = np.flatnonzero(~np.isnan(scores))
        if known.size < slots:
            return None
        order = np.argsort(-scores[known] if highest else scores[known], kind="stable")
        return make_window(grid, grid.index[np.sort(known[order[:slots]])])
    i = best_start(scores, slots, highest=highest)
    if i is None:
        return None
    return make_window(grid, grid.index[i : i + slots])


def window_at(frame: pd.DataFrame, start: pd.Timestamp, slots: int) -> Window | None:
    """The window of ``slots`` slots starting at ``start`` (floored to its half-hour), e.g.
    "start now"; None if any of those slots is missing from the frame or has no data at all."""
    first = _as_utc(start).floor(SLOT)
    want = pd.date_range(first, periods=slots, freq=SLOT)
    grid = frame.copy()
    grid.index = _utc_index(frame)
    grid = grid[~grid.index.duplicated(keep="first")]
    if not want.isin(grid.index).all():
        return None
    rows = grid.loc[want]
    cols = [c for c in ("price", "carbon") if c in rows.columns]
    if not cols or rows[cols].isna().all(axis=1).any():
        return None
    return make_window(grid, want)


def _difference(other: float | None, chosen: float | None) -> float | None:
    if other is None or chosen is None:
        return None
    return other - chosen


def _percent(saving: float | None, other: float | None) -> float | None:
    if saving is None or other is None or other <= 0:
        return None  # a % of a zero or negative price means nothing to a reader
    return 100 * saving / other


@dataclass(frozen=True)
class Comparison:
    """What every answer shows: the chosen window against "start now" and the worst window."""

    chosen: Window
    now: Window | None  # starting at the first candidate slot
    worst: Window | None  # the worst window for the same objective in the same span

    def saving_vs(self, other: Window | None, kwh: float | None) -> dict:
        """How much better ``chosen`` is than ``other`` (positive = saving).

        Keys (always present, None when not computable): ``price_p_per_kwh``,
        ``carbon_g_per_kwh``, ``price_pct``, ``carbon_pct`` and, with ``kwh``, ``cost_gbp``,
        ``emissions_kg``.
        """
        c = self.chosen
        price = _difference(other.price if other else None, c.price)
        carbon = _difference(other.carbon if other else None, c.carbon)
        cost = emissions = None
        if kwh is not None and other is not None:
            cost = _difference(other.cost_gbp(kwh), c.cost_gbp(kwh))
            emissions = _difference(other.emissions_kg(kwh), c.emissions_kg(kwh))
        return {
            "price_p_per_kwh": price,
            "carbon_g_per_kwh": carbon,
            "price_pct": _percent(price, other.price if other else None),
            "carbon_pct": _percent(carbon, other.carbon if other else None),
            "cost_gbp": cost,
            "emissions_kg": emissions,
        }


def compare(
    frame: pd.DataFrame, slots: int, objective: str = "price", *, split: bool = False
) -> Comparison | None:
    """Best window in ``frame`` (already cut to the candidate span) with "start now" (the first
    candidate slot, contiguous) and the worst contiguous window for the same objective.
    None if no window fits."""
    chosen = best_window(frame, slots, objective, split=split)
    if chosen is None:
        return None
    first = _utc_index(frame).min()
    return Comparison(
        chosen=chosen,
        now=window_at(frame, first, slots),
        worst=best_window(frame, slots, objective, highest=True),
    )


def implied_cost_per_tonne(cheapest: Window, greenest: Window) -> float | None:
    """£ per tonne CO2 avoided by choosing the greenest over the cheapest window.

    (price_green - price_cheap) [p/kWh] / (carbon_cheap - carbon_green) [g/kWh], converted to
    £/t (1 p/g = £10,000/t). None when not meaningful (missing data or no carbon saved);
    0 or less means the greener window costs nothing extra.
    """
    if None in (cheapest.price, cheapest.carbon, greenest.price, greenest.carbon):
        return None
    avoided = cheapest.carbon - greenest.carbon  # type: ignore[operator]
    if avoided <= 1e-9:
        return None
    return (greenest.price - cheapest.price) / avoided * 10_000  # type: ignore[operator]


def _gaps(valid: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Missing spans [start, end) between the first and last valid slot of a grid column."""
    idx = valid.index[valid.to_numpy()]
    if len(idx) < 2:
        return []
    inner = valid.loc[idx[0] : idx[-1]]
    missing = ~inner.to_numpy()
    out = []
    i = 0
    while i < len(missing):
        if missing[i]:
            j = i
            while j + 1 < len(missing) and missing[j + 1]:
                j += 1
            out.append((inner.index[i], inner.index[j] + SLOT))
            i = j + 1
        else:
            i += 1
    return out


def coverage_text(frame: pd.DataFrame) -> str:
    """e.g. "Prices to Wed 25 Nov 23:00, carbon to Thu 26 Nov 10:30 (UK time)"; mentions gaps."""
    grid = _complete(frame)
    parts: list[str] = []
    gap_notes: list[str] = []
    for name, label in (("price", "prices"), ("carbon", "carbon")):
        values = pd.Series(_column(grid, name), index=grid.index)
        valid = values.notna()
        if not valid.any():
            parts.append(f"no {label}" if name == "price" else f"no {label} data")
            continue
        last = valid.index[valid.to_numpy()][-1]
        parts.append(f"{label} to {fmt_day_time(last + SLOT)}")
        gaps = _gaps(valid)
        for a, b in gaps[:_MAX_GAPS_SHOWN]:
            gap_notes.append(f"{label} missing {fmt_span(a, b)}")
        if len(gaps) > _MAX_GAPS_SHOWN:
            gap_notes.append(f"{len(gaps) - _MAX_GAPS_SHOWN} more {label} gaps")
    if all(p.startswith("no ") for p in parts):
        return "No price or carbon data"
    text = ", ".join(parts) + " (UK time)"
    text = text[0].upper() + text[1:]
    if gap_notes:
        text += "; " + "; ".join(gap_notes)
    return text
