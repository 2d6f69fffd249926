"""What flexibility would have saved on history: a fixed daily start vs the best window.

For every local (Europe/London) day D of a range, a job of ``slots`` half-hours normally starts at
``at`` (the *baseline*). With flexibility it may run in any contiguous window inside
``[at, at + within)``. Two flexible strategies are scored against the baseline:

* **cheapest**: the lowest mean price among windows whose prices were *published* at
  decision time. Octopus publishes the next day's prices (23:00-23:00 UK) at about 16:00 UK, so
  a decision before 16:00 on D may use prices up to 23:00 on D, from 16:00 up to 23:00 on D+1.
* **greenest**: the lowest mean carbon intensity as it was *forecast* (the recorded forecast
  where present, the actual otherwise: reported as ``carbon_choice_forecast_share``). The
  48-hour carbon forecast covers any ``within`` allowed here (at most 48 h).

Outcomes are evaluated on what happened: the price (day-ahead prices are final when published) and
the *actual* carbon intensity, falling back to the forecast where the actual is missing
(``carbon_eval_actual_share`` says how often). Ties go to the earliest start.

Missing data is never interpolated, and each metric is judged on its own data: a window whose
prices touch a missing slot is not a *cheapest* candidate, one whose carbon touches a missing
slot is not a *greenest* candidate (a missing carbon slot never removes a price candidate). A
day is kept when at least one metric has a complete baseline and a candidate; the other
metric's columns are then NaN (shown as n/a). Days with neither are listed in
``BacktestResult.skipped`` with the reason.

Vectorised: one O(N) cumulative-sum pass per series, then a (days x candidates) gather and an
argmin; no per-day Python loop.

Units: prices p/kWh, carbon gCO2/kWh, energy kWh per daily run, cost £, emissions kgCO2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flexcalc.tariffs.calendars import PUBLISH_HOUR  # the one publication calendar
from flexcalc.timeslots import LONDON, SLOT
from flexcalc.windows import rolling_means

PRICE_DAY_END = dt.time(23, 0)  # ...covering up to 23:00 UK time the next day
MAX_WITHIN = pd.Timedelta(hours=48)  # the carbon forecast reaches 48 h ahead


@dataclass(frozen=True)
class BacktestResult:
    """Per-day outcomes of a backtest plus what was skipped and why.

    ``days`` has one row per evaluated local day (index: ``datetime.date``) with columns
    ``baseline_start``, ``cheapest_start``, ``greenest_start`` (UTC Timestamps),
    ``{baseline,cheapest,greenest}_price`` (mean p/kWh), ``..._carbon`` (mean gCO2/kWh as
    evaluated), ``..._cost_gbp``, ``..._kg``, ``saved_gbp`` (baseline - cheapest cost),
    ``saved_kg`` (baseline - greenest emissions), ``cheapest_saved_kg``, ``greenest_saved_gbp``;
    NaN where that metric had no complete data that day (the other metric still counts).
    ``skipped``: columns ``day``, ``reason``.
    """

    days: pd.DataFrame
    skipped: pd.DataFrame
    kwh: float  # energy of one daily run
    slots: int  # run length in half-hours
    at: dt.time
    within: pd.Timedelta
    carbon_choice_forecast_share: float  # share of candidate slots chosen on forecast carbon
    carbon_eval_actual_share: float  # share of evaluated slots scored on actual carbon
    days_with_holes: int = 0  # evaluated days where some candidate windows touched missing data
    notes: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, float]:
        """Summed £ and kgCO2 over evaluated days for baseline, cheapest and greenest, plus
        savings and % saved (``nan`` when the baseline total is not positive)."""
        d = self.days
        out: dict[str, float] = {"days": float(len(d)), "skipped": float(len(self.skipped))}
        price_days = d["saved_gbp"].notna()
        carbon_days = d["saved_kg"].notna()
        out["price_days"], out["carbon_days"] = float(price_days.sum()), float(carbon_days.sum())
        for name in ("baseline", "cheapest"):  # £ over the days with prices
            out[f"{name}_cost_gbp"] = _total(d.loc[price_days, f"{name}_cost_gbp"])
        for name in ("baseline", "greenest"):  # kg over the days with carbon
            out[f"{name}_kg"] = _total(d.loc[carbon_days, f"{name}_kg"])
        # The other strategy's figures over the same days, so every row compares like with like.
        out["greenest_cost_gbp"] = _total(d.loc[price_days, "greenest_cost_gbp"])
        out["cheapest_kg"] = _total(d.loc[carbon_days, "cheapest_kg"])
        out["saved_gbp"] = out["baseline_cost_gbp"] - out["cheapest_cost_gbp"]
        out["saved_kg"] = out["baseline_kg"] - out["greenest_kg"]
        out["cheapest_saved_kg"] = _total(d["cheapest_saved_kg"])
        out["greenest_saved_gbp"] = _total(d["greenest_saved_gbp"])
        out["saved_gbp_pct"] = _pct(out["saved_gbp"], out["baseline_cost_gbp"])
        out["saved_kg_pct"] = _pct(out["saved_kg"], out["baseline_kg"])
        return out


def _total(values: pd.Series) -> float:
    """Sum of the known values; NaN when none is known (n/a, not a false 0)."""
    return float(values.sum()) if values.notna().any() else float("nan")


def _pct(saved: float, base: float) -> float:
    return 100 * saved / base if base > 0 else float("nan")


def _carbon_columns(carbon: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """``forecast``/``actual`` columns; a bare series counts as a forecast; 0 counts as missing."""
    if isinstance(carbon, pd.Series):
        carbon = carbon.to_frame("forecast")
    out = pd.DataFrame(index=carbon.index)
    for col in ("forecast", "actual"):
        values = carbon[col] if col in carbon.columns else pd.Series(np.nan, index=carbon.index)
        values = pd.to_numeric(values, errors="coerce").astype(float)
        out[col] = values.where(values > 0)
    return out


def _utc_unique(obj: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    idx = pd.DatetimeIndex(obj.index)
    idx = idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")
    obj = obj.copy()
    obj.index = idx
    return obj[~obj.index.duplicated(keep="first")].sort_index()


def local_instants(days: pd.DatetimeIndex, at: dt.time) -> pd.DatetimeIndex:
    """UTC instants of the UK wall-clock time ``at`` on each (naive, midnight) day.

    A time skipped by the spring change moves forward; an ambiguous autumn time is the first
    (BST) occurrence.
    """
    naive = days + pd.Timedelta(hours=at.hour, minutes=at.minute)
    aware = naive.tz_localize(
        LONDON, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    )
    return aware.tz_convert("UTC")


def price_known_until(days: pd.DatetimeIndex, at: dt.time) -> pd.DatetimeIndex:
    """UTC end of the prices published when deciding at ``at`` on each day (see module doc)."""
    ahead = 1 if (at.hour, at.minute) >= (PUBLISH_HOUR, 0) else 0
    return local_instants(days + pd.Timedelta(days=ahead), PRICE_DAY_END)


def validate(slots: int, within: pd.Timedelta, kwh: float) -> None:
    """Raise ``ValueError`` with a friendly message for impossible backtest settings."""
    if slots < 1:
        raise ValueError("The job must last at least 30 minutes.")
    if within < slots * SLOT:
        raise ValueError(
            f"The flexibility window ({within / pd.Timedelta(hours=1):g} h) must be at least "
            f"as long as the job ({slots * SLOT / pd.Timedelta(hours=1):g} h)."
        )
    if within > MAX_WITHIN:
        raise ValueError(
            "The flexibility window can be at most 48 h (carbon forecasts stop there)."
        )
    if not kwh > 0:
        raise ValueError("The load must be positive (e.g. `at 50 kW`).")


class PreparedHistory:
    """Prices and carbon laid on one complete UTC half-hour grid covering days start..end plus
    the longest flexibility window, with rolling means cached per job length. Build once, then
    ``run`` many baselines (start times, durations) cheaply."""

    def __init__(
        self,
        prices: pd.Series,
        carbon: pd.DataFrame | pd.Series,
        start: dt.date,
        end: dt.date,
        within: pd.Timedelta = MAX_WITHIN,
    ) -> None:
        if end < start:
            raise ValueError("The end date is before the start date.")
        self.days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
        first = local_instants(self.days[:1], dt.time(0))[0]
        last = local_instants(self.days[-1:], dt.time(0))[0] + pd.Timedelta(days=1)
        self.grid = pd.date_range(first, last + within + SLOT, freq=SLOT, inclusive="left")
        self.price = _utc_unique(prices).reindex(self.grid).to_numpy(dtype=float)
        cframe = _carbon_columns(_utc_unique(carbon)).reindex(self.grid)
        self.fc, self.ac = cframe["forecast"].to_numpy(), cframe["actual"].to_numpy()
        self.choose_c = np.where(np.isnan(self.fc), self.ac, self.fc)
        self.eval_c = np.where(np.isnan(self.ac), self.fc, self.ac)
        self.within = within
        self._means: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def means(self, slots: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rolling means of (price, carbon to choose on, carbon to score on) over ``slots``."""
        if slots not in self._means:
            self._means[slots] = (
                rolling_means(self.price, slots),
                rolling_means(self.choose_c, slots),
                rolling_means(self.eval_c, slots),
            )
        return self._means[slots]

    def run(
        self, slots: int, at: dt.time, within: pd.Timedelta, kwh: float = 1.0
    ) -> BacktestResult:
        """Backtest one baseline start time ``at`` (see ``backtest``)."""
        validate(slots, within, kwh)
        if within > self.within:
            raise ValueError("The flexibility window is longer than the prepared history.")
        day_index, grid = self.days, self.grid
        decide = local_instants(day_index, at).ceil(SLOT)
        known_to = price_known_until(day_index, at)
        span = int(within / SLOT)
        mean_p, mean_choose, mean_eval = self.means(slots)

        a = np.asarray((decide - grid[0]) // SLOT, dtype=np.int64)
        h = np.asarray((known_to - grid[0]) // SLOT, dtype=np.int64)
        cand = a[:, None] + np.arange(span - slots + 1)[None, :]  # days x candidate starts
        p_cand, c_cand = mean_p[cand], mean_choose[cand]
        price_ok = ~np.isnan(p_cand)
        carbon_ok = ~np.isnan(mean_eval[cand]) & ~np.isnan(c_cand)
        published = cand + slots <= h[:, None]

        ok_cheap = price_ok & published  # price candidates never depend on carbon data
        ok_green = carbon_ok  # and carbon candidates never on prices
        rows = np.arange(len(a))
        cheap = cand[rows, _first_min(np.where(ok_cheap, p_cand, np.inf))]
        green = cand[rows, _first_min(np.where(ok_green, c_cand, np.inf))]
        base_price, base_carbon = ~np.isnan(mean_p[a]), ~np.isnan(mean_eval[a])
        keep_price = base_price & ok_cheap.any(axis=1)
        keep_carbon = base_carbon & ok_green.any(axis=1)
        keep = keep_price | keep_carbon

        reasons = np.where(
            ~base_price & ~base_carbon,
            "baseline window has missing data",
            "no complete window known at decision time",
        )
        skipped = pd.DataFrame({"day": day_index.date[~keep], "reason": reasons[~keep]})

        price_known, carbon_known = keep_price[keep], keep_carbon[keep]
        cols = {}
        for name, idx, known in (
            ("baseline", a, None),
            ("cheapest", cheap, price_known),
            ("greenest", green, carbon_known),
        ):
            idx = idx[keep]
            price, carbon, start = mean_p[idx].copy(), mean_eval[idx].copy(), grid[idx]
            if known is None:  # the baseline counts for each metric that had a comparison
                price[~price_known], carbon[~carbon_known] = np.nan, np.nan
            else:  # no candidate of this kind that day: n/a
                price[~known], carbon[~known] = np.nan, np.nan
                start = start.where(known)
            cols[f"{name}_start"] = start
            cols[f"{name}_price"] = price
            cols[f"{name}_carbon"] = carbon
            cols[f"{name}_cost_gbp"] = kwh * price / 100
            cols[f"{name}_kg"] = kwh * carbon / 1000
        cols["saved_gbp"] = cols["baseline_cost_gbp"] - cols["cheapest_cost_gbp"]
        cols["saved_kg"] = cols["baseline_kg"] - cols["greenest_kg"]
        cols["cheapest_saved_kg"] = cols["baseline_kg"] - cols["cheapest_kg"]
        cols["greenest_saved_gbp"] = cols["baseline_cost_gbp"] - cols["greenest_cost_gbp"]
        days = pd.DataFrame(cols, index=pd.Index(day_index.date[keep], name="day"))

        in_span = (a[keep, None] + np.arange(span)[None, :]).ravel()
        starts = np.concatenate([a[keep], cheap[keep], green[keep]])
        evaluated = (starts[:, None] + np.arange(slots)[None, :]).ravel()
        holes = (~(price_ok & carbon_ok)[keep]).any(axis=1)
        return BacktestResult(
            days=days,
            skipped=skipped,
            kwh=kwh,
            slots=slots,
            at=at,
            within=within,
            carbon_choice_forecast_share=_share(self.fc[in_span], self.choose_c[in_span]),
            carbon_eval_actual_share=_share(self.ac[evaluated], self.eval_c[evaluated]),
            days_with_holes=int(holes.sum()),
        )


def backtest(
    prices: pd.Series,
    carbon: pd.DataFrame | pd.Series,
    slots: int,
    at: dt.time,
    within: pd.Timedelta,
    start: dt.date,
    end: dt.date,
    kwh: float = 1.0,
) -> BacktestResult:
    """Backtest a daily job of ``slots`` half-hours using ``kwh`` per run, days start..end.

    prices: p/kWh series on UTC half-hour slot starts (gaps allowed). carbon: DataFrame with
    ``forecast`` and/or ``actual`` gCO2/kWh (or a Series, read as a forecast). ``at`` is a UK
    wall-clock time (rounded up to the next half-hour); ``within`` the flexibility from ``at``.
    The load is flat: ``kwh`` spread evenly over the window. See the module doc for the rules.
    """
    validate(slots, within, kwh)
    return PreparedHistory(prices, carbon, start, end, within).run(slots, at, within, kwh)


def backtest_many(
    prices: pd.Series,
    carbon: pd.DataFrame | pd.Series,
    slots: int,
    ats: list[dt.time],
    within: pd.Timedelta,
    start: dt.date,
    end: dt.date,
    kwh: float = 1.0,
) -> dict[dt.time, BacktestResult]:
    """``backtest`` for several baseline start times sharing one prepared history."""
    validate(slots, within, kwh)
    history = PreparedHistory(prices, carbon, start, end, within)
    return {at: history.run(slots, at, within, kwh) for at in ats}


def _first_min(scores: np.ndarray) -> np.ndarray:
    """Column of each row's minimum; near-ties (cumulative-sum float noise) -> earliest."""
    low = scores.min(axis=1, keepdims=True)
    tol = 1e-9 * np.maximum(1.0, np.abs(np.where(np.isfinite(low), low, 0.0)))
    return np.argmax(scores <= low + tol, axis=1)


def _share(part: np.ndarray, whole: np.ndarray) -> float:
    """Share of the known values of ``whole`` that ``part`` also knows (nan if none)."""
    known = np.count_nonzero(~np.isnan(whole))
    return np.count_nonzero(~np.isnan(part)) / known if known else float("nan")


def backtest_hours(
    prices: pd.Series,
    carbon: pd.DataFrame | pd.Series,
    slots: int,
    within: pd.Timedelta,
    start: dt.date,
    end: dt.date,
    kwh: float = 1.0,
) -> pd.DataFrame:
    """Totals for a baseline at each whole hour 00:00..23:00 (one row per start hour, columns
    of ``BacktestResult.totals``): which fixed start time gains most from flexibility."""
    results = backtest_many(
        prices, carbon, slots, [dt.time(h) for h in range(24)], within, start, end, kwh
    )
    rows = {at.hour: r.totals() for at, r in results.items()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("start_hour")
